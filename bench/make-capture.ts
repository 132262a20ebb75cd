import { createWriteStream } from 'node:fs';

/**
 * Writes a large synthetic pcap of mixed traffic: web and DNS clients with
 * replies, a SYN scan, a UDP scan, ICMP unreachables and spoofed-source SYN
 * noise, about 2/3 TCP and 1/3 UDP. Deterministic (seeded) so runs compare.
 */
export async function makeCapture(path: string, packets: number): Promise<void> {
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
  const chunk = Buffer.alloc(8 << 20);
  let used = 0;
  let t = 1_700_000_000 * 1e6;
  const flush = async () => {
    if (!out.write(chunk.subarray(0, used))) await new Promise((r) => out.once('drain', r));
    used = 0;
  };
  for (let i = 0; i < packets; i++) {
    if (used > chunk.length - 2048) {
      // write() keeps a reference, so hand it a copy and reuse the chunk.
      const copy = Buffer.from(chunk.subarray(0, used));
      used = 0;
      if (!out.write(copy)) await new Promise((r) => out.once('drain', r));
    }
    t += 5 + (rnd() % 20);
    const kind = i % 12;
    const r = rnd();
    const udpPacket = kind >= 8;
    const payload = udpPacket ? 32 : kind === 1 ? 512 : 0;
    const l4 = udpPacket ? 8 : 20;
    const ipLen = 20 + l4 + payload;
    const caplen = 14 + ipLen;
    const p = used + 16;
    chunk.writeUInt32LE(Math.floor(t / 1e6), used);
    chunk.writeUInt32LE(t % 1e6, used + 4);
    chunk.writeUInt32LE(caplen, used + 8);
    chunk.writeUInt32LE(caplen, used + 12);
    chunk.fill(0, p, p + caplen);
    chunk.writeUInt16BE(0x0800, p + 12);
    const ip = p + 14;
    chunk[ip] = 0x45;
    chunk.writeUInt16BE(ipLen, ip + 2);
    chunk.writeUInt16BE(r & 0xffff, ip + 4);
    chunk[ip + 8] = 64;
    chunk[ip + 9] = udpPacket ? 17 : 6;
    // Sources: a few hundred clients, one scanner, and spoofed noise.
    const src = kind === 7 ? (r >>> 0) | 0x01000000 : kind === 3 || kind === 10 ? 0xc0a80a0a : 0x0a000000 + (r % 500);
    const dst = kind === 3 || kind === 10 ? 0x0a010001 : 0x0a010000 + (r % 64);
    chunk.writeUInt32BE(src >>> 0, ip + 12);
    chunk.writeUInt32BE(dst >>> 0, ip + 16);
    const tp = ip + 20;
    chunk.writeUInt16BE(1024 + (r % 60000), tp);
    chunk.writeUInt16BE(kind === 3 || kind === 10 ? i % 65536 : udpPacket ? 53 : [80, 443, 22][r % 3], tp + 2);
    if (udpPacket) chunk.writeUInt16BE(8 + payload, tp + 4);
    else {
      chunk.writeUInt32BE(r, tp + 4);
      chunk[tp + 12] = 0x50;
      chunk[tp + 13] = kind === 0 || kind === 3 || kind === 7 ? 0x02 : kind === 2 ? 0x12 : 0x18;
      chunk.writeUInt16BE(kind === 3 ? 1024 : 64240, tp + 14);
    }
    used += 16 + caplen;
  }
  await flush();
  await new Promise<void>((resolve) => out.end(resolve));
}
