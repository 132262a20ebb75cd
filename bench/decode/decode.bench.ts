/**
 * decode() throughput, packets per second (figures, no assertions):
 * - mix: unfragmented TCP SYN / SYN-ACK / UDP / ICMP unreachable, Ethernet;
 * - nmap -f: SYNs cut in 8-byte fragments (three per datagram), with the
 *   default fragment table.
 * Run: node --import tsx bench/decode/decode.bench.ts
 * (also runs against an exported older tree: the reassembler is optional).
 */
import { decode } from '../../src/decode/decode.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { cat, ethernet, icmp, ipv4, tcp, udp } from '../../src/decode/craft.js';

type Frags = Parameters<typeof decode>[1];
let frags: Frags = null as unknown as Frags;
try {
  const m = (await import('../../src/decode/module.js')) as { defaultReassembler?: () => Frags };
  if (m.defaultReassembler) frags = m.defaultReassembler();
} catch {
  // older tree: no fragment table
}

function buffer(pkts: Uint8Array[]): { buf: Uint8Array; at: number[]; len: number[] } {
  const buf = cat(...pkts);
  const at: number[] = [];
  const len: number[] = [];
  let o = 0;
  for (const p of pkts) {
    at.push(o);
    len.push(p.length);
    o += p.length;
  }
  return { buf, at, len };
}

function run(name: string, b: ReturnType<typeof buffer>, rounds: number): void {
  const v = new PacketView();
  let ok = 0;
  const n = b.at.length;
  for (let w = 0; w < 2; w++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < n; i++) {
        v.setRaw(b.buf, b.at[i], b.len[i], b.len[i], 1, 1700000000 + r, i);
        if (decode(v, frags) === 0) ok++;
      }
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (w === 1) console.log(`${name}: ${((rounds * n) / s / 1e6).toFixed(2)} M packets/s (${ok} ok)`);
  }
}

const MSS = [2, 4, 5, 0xb4];
const mix: Uint8Array[] = [];
for (let i = 0; i < 256; i++) {
  mix.push(ethernet(ipv4(tcp({ sport: 40000 + i, dport: i, flags: 0x02, options: MSS }), { id: i })));
  mix.push(ethernet(ipv4(tcp({ sport: i, dport: 40000 + i, flags: 0x12, options: MSS }), { id: i, src: '10.0.0.2', dst: '10.0.0.1' })));
  mix.push(ethernet(ipv4(udp(5000 + i, 53, [1, 2, 3, 4]), { proto: 17, id: i })));
  mix.push(ethernet(ipv4(icmp(3, 3, ipv4(udp(1, 2), { proto: 17 }).subarray(0, 28)), { proto: 1, id: i })));
}
const frag: Uint8Array[] = [];
for (let i = 0; i < 256; i++) {
  const syn = tcp({ sport: 40000, dport: i, flags: 0x02, options: MSS });
  for (let off = 0; off < 24; off += 8) {
    frag.push(ethernet(ipv4(syn.subarray(off, off + 8), { id: 1000 + i, fragOffset: (off < 16 ? 0x2000 : 0) | (off / 8) })));
  }
}
console.log(frags ? 'with the fragment table' : 'no fragment table (older tree)');
run('mix (no fragments)', buffer(mix), 2000);
run('nmap -f fragments', buffer(frag), 2000);
