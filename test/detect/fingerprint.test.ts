/**
 * Tool fingerprints (src/detect/scan/fingerprint.ts, facts in NOTES.md):
 * - zmap 4.1+ SYNs built byte for byte from zmap's source (packet.c
 *   make_ip_header/make_tcp_header/set_tcp_options, module_tcp_synscan.c),
 *   against real OS SYNs carrying the same options (Windows, Linux, macOS);
 * - zmap 2.1.1 (Debian 12) and masscan 1.3.2 UDP probes from the lab
 *   captures (test/decode/captures), probe by probe and through the engine;
 * - UDP senders that must not match (Linux and Windows resolvers, VXLAN).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { FileSource } from '../../src/capture/file-source.js';
import { decode } from '../../src/decode/decode.js';
import { defaultReassembler } from '../../src/decode/module.js';
import { Layer, PacketView } from '../../src/decode/packet-view.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { Fp, tcpFingerprint, toolOf, udpFingerprint, verdictTool, type FingerprintCounts } from '../../src/detect/scan/fingerprint.js';
import { Kind } from '../../src/detect/scan/kinds.js';
import { createScanEngine } from '../../src/assemble/scan-engine.js';
import { ALERT_COLUMNS, alertRow } from '../../src/sink/alerts-csv.js';
import { alertRecord } from '../../src/sink/jsonl.js';
import type { ScanEvent } from '../../src/sink/schema.js';
import { ethernet, ipv4, tcp, udp } from '../../src/decode/craft.js';
import { Harness, udp as udpView } from './helpers/views.js';

const NOW = 1764579600; // packet time of the literal packets (2025-12-01)
const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const MSS1460 = [2, 4, 0x05, 0xb4];
// zmap set_tcp_options layouts (packet.c), in the order zmap writes them.
const ZMAP_WINDOWS = [...MSS1460, 1, 3, 3, 8, 1, 1, 4, 2];
const ZMAP_LINUX = [...MSS1460, 4, 2, 8, 10, ...be32(NOW), 0, 0, 0, 0, 1, 3, 3, 7];
const ZMAP_BSD = [...MSS1460, 1, 3, 3, 6, 1, 1, 8, 10, ...be32(NOW), 0, 0, 0, 0, 4, 2, 0, 0];
const ZMAP_SMALLEST = [...MSS1460];

function decoded(bytes: Uint8Array): PacketView {
  const v = new PacketView();
  v.setRaw(bytes, 0, bytes.length, bytes.length, 1, NOW, 0);
  assert.equal(decode(v), DecodeStatus.OK);
  return v;
}

/** A SYN with the given IP and TCP fields (IP flags 0x4000 = DF). */
function syn(o: { options: number[]; window: number; ttl: number; df: boolean; id?: number; dport?: number; seq?: number }): PacketView {
  const seg = tcp({ sport: 40123, dport: o.dport ?? 443, flags: 0x02, window: o.window, options: o.options, seq: o.seq ?? 0x9e3779b9 });
  return decoded(ethernet(ipv4(seg, { id: o.id ?? 0x4d2f, ttl: o.ttl, fragOffset: o.df ? 0x4000 : 0, src: '192.0.2.7', dst: '198.51.100.20' })));
}

test('zmap 4.1+ SYNs (IP ID random): every --probe-args layout is zmap, from window 65535, no DF, MSS 1460 and the layout', () => {
  for (const [name, options] of [['windows', ZMAP_WINDOWS], ['linux', ZMAP_LINUX], ['bsd', ZMAP_BSD], ['smallest-probes', ZMAP_SMALLEST]] as const) {
    const v = syn({ options, window: 65535, ttl: 64, df: false });
    assert.equal(tcpFingerprint(v, Kind.SYN) & Fp.ZMAP, Fp.ZMAP, name);
  }
});

test('real OS SYNs with the same options are not zmap: Windows (DF, TTL 128, 64240), Linux and macOS (DF, TSval a ms counter)', () => {
  const cases: [string, PacketView][] = [
    ['windows 10', syn({ options: ZMAP_WINDOWS, window: 64240, ttl: 128, df: true })],
    ['windows, window 65535 but DF', syn({ options: ZMAP_WINDOWS, window: 65535, ttl: 128, df: true })],
    ['linux', syn({ options: [...MSS1460, 4, 2, 8, 10, ...be32(2_915_004_117), 0, 0, 0, 0, 1, 3, 3, 7], window: 64240, ttl: 64, df: true })],
    ['macos', syn({ options: [...MSS1460, 1, 3, 3, 6, 1, 1, 8, 10, ...be32(3_127_455_061), 0, 0, 0, 0, 4, 2, 0, 0], window: 65535, ttl: 64, df: true })],
    ['linux layout, no DF, but TSval not Unix seconds', syn({ options: [...MSS1460, 4, 2, 8, 10, ...be32(12345), 0, 0, 0, 0, 1, 3, 3, 7], window: 65535, ttl: 64, df: false })],
    ['windows layout, no DF, window scale 7', syn({ options: [...MSS1460, 1, 3, 3, 7, 1, 1, 4, 2], window: 65535, ttl: 64, df: false })],
  ];
  for (const [name, v] of cases) assert.equal(tcpFingerprint(v, Kind.SYN) & Fp.ZMAP, 0, name);
});

test('zmap 2.1.1 (Debian 12): IP ID 54321 still names it; masscan SYN relation and nmap window unchanged', () => {
  assert.equal(tcpFingerprint(syn({ options: [], window: 65535, ttl: 255, df: false, id: 54321 }), Kind.SYN) & Fp.ZMAP, Fp.ZMAP);
  const seq = 0x12345678;
  const dst = (198 << 24) | (51 << 16) | (100 << 8) | 20;
  const m = syn({ options: [], window: 1024, ttl: 255, df: false, seq, dport: 80, id: (dst ^ 80 ^ seq) & 0xffff });
  assert.equal(tcpFingerprint(m, Kind.SYN) & Fp.MASSCAN, Fp.MASSCAN);
  assert.equal(tcpFingerprint(syn({ options: MSS1460, window: 1024, ttl: 47, df: false }), Kind.SYN), Fp.NMAP);
});

async function probes(name: string): Promise<{ fp: number; dport: number }[]> {
  const out: { fp: number; dport: number }[] = [];
  const src = 0x0a5b0001; // 10.91.0.1, the lab scanner
  await new FileSource(join(import.meta.dirname, '../decode/captures', `${name}.pcap`)).run((v) => {
    if (decode(v, defaultReassembler()) !== DecodeStatus.OK || (v.layers & Layer.UDP) === 0 || v.src4 !== src) return;
    out.push({ fp: udpFingerprint(v), dport: v.dport });
  });
  return out;
}

test('zmap 2.1.1 -M udp (lab capture): every probe matches zmap (IP ID 54321, checksum 0 without DF), none masscan', async () => {
  const p = await probes('zmap-udp');
  assert.ok(p.length >= 15, `${p.length} probes`);
  for (const x of p) assert.equal(x.fp, Fp.ZMAP);
});

test('masscan -pU (lab capture): DNS and SNMP cookies give IP ID = dst ^ dport ^ cookie; bare probes match its template; NTP does not', async () => {
  const p = await probes('masscan-udp');
  assert.equal(p.length, 13, 'ports 50-60, 123, 161');
  // The cookie relation is a strong mark; the bare template a weak one.
  for (const x of p) assert.equal(x.fp, x.dport === 123 ? 0 : x.dport === 53 || x.dport === 161 ? Fp.MASSCAN : Fp.MASSCAN | Fp.WEAK, `port ${x.dport}`);
  assert.ok(p.some((x) => x.dport === 53) && p.some((x) => x.dport === 161));
});

test('UDP that is no tool: a Linux resolver (DF, checksum), a Windows one (TTL 128, checksum), VXLAN (checksum 0, no DF, port 4789)', () => {
  const d = (o: { dport: number; ttl: number; df: boolean; sum: number; payload: number[] }) => {
    const seg = udp(53001, o.dport, o.payload);
    seg[6] = o.sum >> 8;
    seg[7] = o.sum & 255;
    return decoded(ethernet(ipv4(seg, { proto: 17, ttl: o.ttl, fragOffset: o.df ? 0x4000 : 0, id: 0x1c46 })));
  };
  const query = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  assert.equal(udpFingerprint(d({ dport: 53, ttl: 64, df: true, sum: 0x8f3a, payload: query })), 0, 'linux resolver');
  assert.equal(udpFingerprint(d({ dport: 53, ttl: 128, df: false, sum: 0x8f3a, payload: query })), 0, 'windows resolver');
  assert.equal(udpFingerprint(d({ dport: 4789, ttl: 64, df: false, sum: 0, payload: Array(50).fill(0) })), 0, 'vxlan');
  assert.equal(udpFingerprint(d({ dport: 53, ttl: 64, df: false, sum: 0, payload: query })), Fp.ZMAP | Fp.WEAK, 'zmap 4.1+ (random ID, TTL 64, checksum 0): a weak mark');
  // A view made from a flow record has no IP header: TTL, flags and checksum are all 0.
  const flow = new PacketView();
  flow.ipVersion = 4;
  flow.layers = Layer.IPV4 | Layer.UDP;
  flow.dport = 53;
  assert.equal(udpFingerprint(flow), 0, 'flow record');
});

test('TCP and UDP are judged apart: UDP probes never dilute a TCP fingerprint, and the reverse', () => {
  const c: FingerprintCounts = { fpChecked: 10, fpNmap: 10, fpMasscan: 0, fpZmap: 0, fpUdpChecked: 30, fpUdpMasscan: 0, fpUdpZmap: 0, fpUdpWeak: 0 };
  assert.equal(toolOf(c, 3), 'nmap');
  const u: FingerprintCounts = { fpChecked: 40, fpNmap: 0, fpMasscan: 0, fpZmap: 0, fpUdpChecked: 10, fpUdpMasscan: 9, fpUdpZmap: 0, fpUdpWeak: 0 };
  assert.equal(toolOf(u, 3), 'masscan');
});

test('weak UDP marks alone decide only when most first contacts went unanswered', () => {
  const weak = { fpChecked: 0, fpNmap: 0, fpMasscan: 0, fpZmap: 0, fpUdpChecked: 10, fpUdpMasscan: 0, fpUdpZmap: 10, fpUdpWeak: 10 };
  assert.equal(verdictTool({ ...weak, pairs: 10, successes: 10 }, 3), 'unknown', 'a resolver answered by every server');
  assert.equal(verdictTool({ ...weak, pairs: 10, successes: 2 }, 3), 'zmap', 'a sweep mostly unanswered');
  assert.equal(toolOf(weak, 3), 'zmap', 'once judged by another detector, the tool is still named');
  const strong = { ...weak, fpUdpWeak: 0 };
  assert.equal(verdictTool({ ...strong, pairs: 10, successes: 10 }, 3), 'zmap', 'IP ID 54321 decides whatever the answers');
});

test('through the engine: a checksum-0 resolver answered by 10 servers is not named; the same sweep unanswered is zmap', () => {
  for (const answered of [true, false]) {
    const h = new Harness();
    for (let i = 0; i < 10; i++) {
      const dst = `10.5.0.${10 + i}`;
      h.feed(udpView({ ts: 1000 + i * 0.01, src: '10.5.0.2', dst, sport: 40000 + i, dport: 53, payload: 30, checksum: 0, df: false }));
      if (answered) h.feed(udpView({ ts: 1000 + i * 0.01 + 0.001, src: dst, dst: '10.5.0.2', sport: 53, dport: 40000 + i, payload: 60 }));
    }
    h.flush();
    const starts = h.of('10.5.0.2', 'start');
    if (answered) assert.equal(starts.length, 0, JSON.stringify(starts));
    else {
      assert.equal(starts.length, 1);
      assert.equal(starts[0].tool, 'zmap');
    }
  }
});

async function engineEvents(name: string): Promise<ScanEvent[]> {
  const events: ScanEvent[] = [];
  const { engine } = createScanEngine({ onEvent: (e) => events.push(e) });
  const frags = defaultReassembler();
  let last = 0;
  await new FileSource(join(import.meta.dirname, '../decode/captures', `${name}.pcap`)).run((v) => {
    if (decode(v, frags) !== DecodeStatus.OK) return;
    last = v.ts;
    engine.onPacket(v);
  });
  engine.flush(last);
  return events;
}

test('through the engine: the zmap and masscan UDP captures are named with their tool; nmap -f carries evasion fragments', async () => {
  const z = await engineEvents('zmap-udp');
  const zs = z.find((e) => e.event === 'start' && e.scanner === '10.91.0.1');
  assert.ok(zs, JSON.stringify(z));
  assert.equal(zs.tool, 'zmap');
  assert.match(zs.toolEvidence, /UDP probes/);
  const m = await engineEvents('masscan-udp');
  const ms = m.find((e) => e.event === 'start' && e.scanner === '10.91.0.1');
  assert.ok(ms, JSON.stringify(m));
  assert.equal(ms.tool, 'masscan');
  assert.deepEqual(ms.technique, ['udp']);
  const f = await engineEvents('nmap-f');
  const fs = f.find((e) => e.event === 'start' && e.scanner === '10.91.0.1');
  assert.ok(fs, JSON.stringify(f));
  assert.deepEqual(fs.evasion, ['fragments']);
  assert.equal(fs.tool, 'nmap');
  const fe = f.filter((e) => e.event === 'end' && e.scanner === '10.91.0.1').pop();
  assert.equal(fe?.probes, 7, 'one probe per datagram (7 ports), not per fragment (21)');
  assert.deepEqual(fe?.evasion, ['fragments']);
  // The JSON Lines record and the CSV row carry it (key and column `evasion`).
  const rec = alertRecord(fe!);
  assert.deepEqual(rec.evasion, ['fragments']);
  assert.equal(alertRow(rec)[ALERT_COLUMNS.indexOf('evasion')], 'fragments');
  for (const e of [...z, ...m]) assert.deepEqual(e.evasion, [], 'no evasion without fragments');
  assert.deepEqual(alertRecord(zs).evasion, []);
});
