/**
 * Real captures recorded in the namespace lab by captures/record.sh (nmap
 * 7.93 -sY, -sZ, -sO, IPv6 -sO, -sS -f, -ff, --mtu 8, -sF --mtu 16; kernel
 * IPv6 fragments; hping3 -f and a hand-made RFC 1858 overlap; zmap 2.1.1
 * -M udp; masscan 1.3.2 -pU), decoded with the
 * default reassembler and checked two ways:
 * - against tshark's own decoding of the same file (with its IP
 *   reassembly on): the same transport tuples, datagram for datagram;
 * - against what each capture must show (counters, evasion, SCTP chunks,
 *   no probe counted as damage).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';
import { FileSource } from '../../src/capture/file-source.js';
import { ipv4ToString, ipv6ToString } from '../../src/decode/address.js';
import { decode } from '../../src/decode/decode.js';
import { defaultReassembler } from '../../src/decode/module.js';
import { Evasion, Layer, type PacketView } from '../../src/decode/packet-view.js';
import { DECODE_STATUS_NAMES, DecodeStatus } from '../../src/decode/status.js';
import { which } from '../helpers/scan-lab.js';

const DIR = join(import.meta.dirname, 'captures');

interface Replay {
  tuples: string[];
  status: Record<string, number>;
  views: { layers: number; proto: number; evasion: number; sctpChunk: number; dport: number; ipId: number; ttl: number; udpChecksum: number; ipFlags: number }[];
  frag: ReturnType<typeof defaultReassembler>;
}

function tupleOf(v: PacketView): string | null {
  const addr = (four: number, six: Uint32Array) => (v.ipVersion === 4 ? ipv4ToString(four) : ipv6ToString(six));
  const base = `${addr(v.src4, v.src6)}>${addr(v.dst4, v.dst6)}`;
  if (v.layers & Layer.TCP) return `tcp ${base} ${v.sport}>${v.dport} flags=${v.tcpFlags & 0xff}`;
  if (v.layers & Layer.UDP) return `udp ${base} ${v.sport}>${v.dport}`;
  if (v.layers & Layer.SCTP) return `sctp ${base} ${v.sport}>${v.dport} vtag=${v.sctpVtag} chunk=${v.sctpChunk}`;
  if (v.layers & (Layer.ICMP4 | Layer.ICMP6)) {
    const inner = v.layers & Layer.ICMP_QUOTE ? ` quote=${v.innerProto}:${v.innerSport}>${v.innerDport}` : '';
    return `icmp${v.ipVersion === 6 ? '6' : ''} ${base} ${v.icmpType}/${v.icmpCode}${inner}`;
  }
  return null;
}

async function replay(name: string): Promise<Replay> {
  const frag = defaultReassembler();
  const out: Replay = { tuples: [], status: {}, views: [], frag };
  await new FileSource(join(DIR, `${name}.pcap`)).run((v) => {
    const s = decode(v, frag);
    const key = DECODE_STATUS_NAMES[s];
    out.status[key] = (out.status[key] ?? 0) + 1;
    if (s !== DecodeStatus.OK) return;
    const t = tupleOf(v);
    if (t) out.tuples.push(t);
    out.views.push({ layers: v.layers, proto: v.proto, evasion: v.evasion, sctpChunk: v.sctpChunk, dport: v.dport, ipId: v.ipId, ttl: v.ttl, udpChecksum: v.udpChecksum, ipFlags: v.ipFlags });
  });
  return out;
}

const FIELDS = [
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.proto', 'ipv6.nxt',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags',
  'udp.srcport', 'udp.dstport',
  'sctp.srcport', 'sctp.dstport', 'sctp.verification_tag', 'sctp.chunk_type',
  'icmp.type', 'icmp.code', 'icmpv6.type', 'icmpv6.code',
] as const;

/** The same tuples as tupleOf, from tshark (IP reassembly on: the transport shows on the frame that completes it). */
function tshark(name: string): string[] {
  const text = execFileSync('tshark', ['-r', join(DIR, `${name}.pcap`), '-n', '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|', ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    const f = (n: (typeof FIELDS)[number]) => (c[FIELDS.indexOf(n)] ?? '').split('|').filter((x) => x !== '');
    const v6 = f('ipv6.src').length > 0 && f('ip.src').length === 0;
    const src = v6 ? f('ipv6.src')[0] : f('ip.src')[0];
    const dst = v6 ? f('ipv6.dst')[0] : f('ip.dst')[0];
    const base = `${src}>${dst}`;
    const icmpT = v6 ? f('icmpv6.type') : f('icmp.type');
    const icmpC = v6 ? f('icmpv6.code') : f('icmp.code');
    const ports = (p: 'tcp' | 'udp' | 'sctp') => [f(`${p}.srcport` as never)[0], f(`${p}.dstport` as never)[0]];
    if (icmpT.length > 0) {
      const type = Number(icmpT[0]);
      const isError = v6 ? type >= 1 && type <= 4 : [3, 4, 5, 11, 12].includes(type);
      let inner = '';
      if (isError) {
        const quoted = v6 ? f('ipv6.nxt')[1] : f('ip.proto')[1];
        for (const p of ['tcp', 'udp', 'sctp'] as const) {
          const [s, d] = ports(p);
          if (s !== undefined) inner = ` quote=${quoted}:${s}>${d}`;
        }
      }
      out.push(`icmp${v6 ? '6' : ''} ${base} ${type}/${Number(icmpC[0])}${inner}`);
    } else if (f('tcp.srcport').length) out.push(`tcp ${base} ${ports('tcp').join('>')} flags=${Number(f('tcp.flags')[0]) & 0xff}`);
    else if (f('udp.srcport').length) out.push(`udp ${base} ${ports('udp').join('>')}`);
    else if (f('sctp.srcport').length) out.push(`sctp ${base} ${ports('sctp').join('>')} vtag=${Number(f('sctp.verification_tag')[0])} chunk=${Number(f('sctp.chunk_type')[0])}`);
  }
  return out;
}

const CAPTURES = ['nmap-sY', 'nmap-sZ', 'nmap-sO', 'nmap-sO6', 'nmap-f', 'nmap-ff', 'nmap-mtu8', 'nmap-mtu16-sU', 'hping3-f', 'ipv6-frag', 'zmap-udp', 'masscan-udp'];
const noTshark = which('tshark') ? false : 'tshark not installed (apt-get install tshark)';

for (const name of CAPTURES) {
  test(`${name}: every datagram decodes as tshark decodes it`, { skip: noTshark }, async () => {
    const r = await replay(name);
    const theirs = tshark(name);
    assert.ok(theirs.length > 0, 'tshark found transports');
    assert.deepEqual([...r.tuples].sort(), [...theirs].sort());
  });
}

test('nmap -f, -ff, --mtu 8, -sF --mtu 16: one probe per datagram, tiny-fragment evasion, nothing counted as damage', async () => {
  for (const name of ['nmap-f', 'nmap-ff', 'nmap-mtu8', 'nmap-mtu16-sU']) {
    const r = await replay(name);
    assert.equal(r.status.truncated ?? 0, 0, name);
    assert.equal(r.status.bad_transport ?? 0, 0, name);
    const probes = r.views.filter((v) => v.layers & Layer.REASSEMBLED);
    assert.ok(probes.length >= 7, `${name}: ${probes.length} reassembled probes`);
    assert.equal(r.frag.reassembled, probes.length, name);
    assert.equal(r.frag.tiny, probes.length, name);
    for (const p of probes) {
      assert.equal(p.proto, 6);
      assert.equal(p.evasion & Evasion.TINY_FRAGMENT, Evasion.TINY_FRAGMENT);
    }
    // Every fragment is either the one that completed its datagram or skipped as a fragment.
    assert.equal(r.frag.fragments, probes.length + (r.status.fragment ?? 0), name);
    assert.equal(r.frag.table!.entries, 0, `${name}: every datagram complete and freed`);
    const t = r.frag.table!;
    assert.deepEqual([t.overlaps, t.duplicates, t.timeouts, t.evictions], [0, 0, 0, 0], name);
  }
});

test('kernel IPv6 fragments (large datagrams): decoded from the first fragment, no evasion', async () => {
  const r = await replay('ipv6-frag');
  const frags = r.views.filter((v) => v.layers & Layer.FRAGMENT);
  assert.ok(frags.length >= 4);
  for (const v of frags) {
    assert.equal(v.layers & Layer.REASSEMBLED, 0);
    assert.equal(v.evasion, 0);
  }
  assert.equal(r.frag.tiny, 0);
  assert.equal(r.frag.firstHeld, frags.length);
  assert.ok((r.status.fragment ?? 0) >= frags.length);
});

test('nmap -sY / -sZ: SCTP INIT and COOKIE ECHO chunks, answered by ICMP protocol unreachable quoting SCTP', async () => {
  for (const [name, chunk] of [['nmap-sY', 1], ['nmap-sZ', 10]] as const) {
    const r = await replay(name);
    const sctp = r.views.filter((v) => v.layers & Layer.SCTP);
    assert.ok(sctp.length >= 11, `${name}: ${sctp.length}`);
    for (const v of sctp) assert.equal(v.sctpChunk, chunk);
    assert.ok(r.tuples.some((t) => t.includes('3/2 quote=132:')), `${name}: protocol unreachable quoting SCTP`);
  }
});

test('nmap -sO (IPv4, IPv6): empty protocol probes decode as OK with proto set; nothing is damage', async () => {
  for (const name of ['nmap-sO', 'nmap-sO6']) {
    const r = await replay(name);
    assert.deepEqual(Object.keys(r.status), ['ok'], `${name}: ${JSON.stringify(r.status)}`);
    const bare = r.views.filter((v) => (v.layers & (Layer.TCP | Layer.UDP | Layer.SCTP | Layer.ICMP4 | Layer.ICMP6)) === 0);
    const protos = new Set(bare.map((v) => v.proto));
    for (const p of [4, 41, 47, 50]) assert.ok(protos.has(p), `${name}: proto ${p} probe`);
  }
});

test('hping3 overlap (RFC 1858): an ACK first fragment, then a fragment at offset 8 rewriting it: both readings, OVERLAP evasion; tshark sees the conflict too', async () => {
  const r = await replay('hping3-overlap');
  const tcp = r.views.filter((v) => v.layers & Layer.TCP);
  assert.equal(tcp.length, 2, JSON.stringify(r.tuples));
  assert.equal(tcp[0].layers & Layer.REASSEMBLED, 0, 'the first fragment held the ACK header');
  assert.equal(tcp[0].evasion, 0);
  assert.ok(r.tuples[0].endsWith('40000>80 flags=16'), r.tuples[0]);
  assert.ok(tcp[1].layers & Layer.REASSEMBLED);
  assert.equal(tcp[1].evasion & Evasion.OVERLAP, Evasion.OVERLAP);
  assert.ok(r.tuples[1].endsWith('40000>80 flags=2'), `the hidden SYN: ${r.tuples[1]}`);
  assert.equal(r.frag.table!.overlaps, 1);
  assert.equal(r.frag.reemitted, 1);
  if (!noTshark) {
    const conflict = execFileSync('tshark', ['-r', join(DIR, 'hping3-overlap.pcap'), '-n', '-T', 'fields', '-e', 'ip.fragment.overlap.conflict'], { encoding: 'utf8' });
    assert.match(conflict, /1|True/i, 'tshark flags conflicting overlap data');
  }
});
