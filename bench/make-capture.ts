import { createWriteStream } from 'node:fs';

/**
 * Writes a large synthetic pcap (Ethernet, IPv4), deterministic so runs compare.
 *
 * `mixed` is what a sensor on a busy segment sees: 500 clients holding whole
 * conversations with 64 local servers (TCP handshake, data both ways, FIN;
 * DNS-like UDP query and reply), one SYN scanner answered by RSTs, and 1% of
 * spoofed-source SYNs that nobody answers. About 80% TCP, 20% UDP packets.
 * `flood` is the worst case for per-source state: every packet a SYN from a
 * new random source.
 */
export type CaptureMix = 'mixed' | 'flood';

const SYN = 0x02;
const ACK = 0x10;
const SYN_ACK = 0x12;
const PSH_ACK = 0x18;
const FIN_ACK = 0x11;
const RST_ACK = 0x14;

export async function makeCapture(path: string, packets: number, mix: CaptureMix = 'mixed'): Promise<void> {
  let seed = 0x5eed;
  const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  const out = createWriteStream(path);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  out.write(header);
  let chunk = Buffer.alloc(8 << 20);
  let used = 0;
  let written = 0;
  let t = 1_700_000_000 * 1e6;

  const flushChunk = async () => {
    // write() keeps the buffer, so hand it this one and start a new one.
    const full = chunk.subarray(0, used);
    chunk = Buffer.alloc(8 << 20);
    used = 0;
    if (!out.write(full)) await new Promise((r) => out.once('drain', r));
  };

  const packet = (src: number, dst: number, proto: 6 | 17, sport: number, dport: number, flags: number, payload: number, window = 64240) => {
    t += 3 + (rnd() % 10);
    const l4 = proto === 17 ? 8 : 20;
    const ipLen = 20 + l4 + payload;
    const caplen = 14 + ipLen;
    chunk.writeUInt32LE(Math.floor(t / 1e6), used);
    chunk.writeUInt32LE(t % 1e6, used + 4);
    chunk.writeUInt32LE(caplen, used + 8);
    chunk.writeUInt32LE(caplen, used + 12);
    const p = used + 16;
    chunk.fill(0, p, p + caplen);
    chunk.writeUInt16BE(0x0800, p + 12);
    const ip = p + 14;
    chunk[ip] = 0x45;
    chunk.writeUInt16BE(ipLen, ip + 2);
    chunk.writeUInt16BE(rnd() & 0xffff, ip + 4);
    chunk[ip + 8] = 64;
    chunk[ip + 9] = proto;
    chunk.writeUInt32BE(src >>> 0, ip + 12);
    chunk.writeUInt32BE(dst >>> 0, ip + 16);
    const tp = ip + 20;
    chunk.writeUInt16BE(sport, tp);
    chunk.writeUInt16BE(dport, tp + 2);
    if (proto === 17) chunk.writeUInt16BE(8 + payload, tp + 4);
    else {
      chunk.writeUInt32BE(rnd(), tp + 4);
      chunk[tp + 12] = 0x50;
      chunk[tp + 13] = flags;
      chunk.writeUInt16BE(window, tp + 14);
    }
    used += 16 + caplen;
    written++;
  };

  const SERVER_NET = 0x0a010000; // 10.1.0.0/16: local
  const scanner = 0xc0a80a0a;
  let scanPort = 1;
  while (written < packets) {
    if (used > chunk.length - 16 * 1024) await flushChunk();
    const r = rnd();
    if (mix === 'flood') {
      packet(r | 0x01000000, SERVER_NET + (r % 64), 6, 1024 + (r % 60000), 80, SYN, 0);
      continue;
    }
    const kind = r % 100;
    const client = 0x0a000000 + (rnd() % 500);
    const server = SERVER_NET + (rnd() % 64);
    const cport = 1024 + (rnd() % 60000);
    if (kind < 8) {
      // DNS-like query and reply: 2 packets.
      packet(client, server, 17, cport, 53, 0, 32);
      packet(server, client, 17, 53, cport, 0, 96);
    } else if (kind < 12) {
      // The scanner: a SYN per port, answered by RST.
      const port = scanPort++ % 65536;
      packet(scanner, SERVER_NET + 1, 6, 40000, port, SYN, 0, 1024);
      packet(SERVER_NET + 1, scanner, 6, port, 40000, RST_ACK, 0);
    } else if (kind < 13) {
      // Spoofed noise: one SYN from a random source, no answer.
      packet(rnd() | 0x01000000, server, 6, cport, 80, SYN, 0);
    } else {
      // A whole TCP conversation: 8 packets.
      const sport = [80, 443, 22][rnd() % 3];
      packet(client, server, 6, cport, sport, SYN, 0);
      packet(server, client, 6, sport, cport, SYN_ACK, 0);
      packet(client, server, 6, cport, sport, ACK, 0);
      packet(client, server, 6, cport, sport, PSH_ACK, 200);
      packet(server, client, 6, sport, cport, PSH_ACK, 1000);
      packet(client, server, 6, cport, sport, FIN_ACK, 0);
      packet(server, client, 6, sport, cport, FIN_ACK, 0);
      packet(client, server, 6, cport, sport, ACK, 0);
    }
  }
  await flushChunk();
  await new Promise<void>((resolve) => out.end(resolve));
}
