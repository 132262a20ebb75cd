/**
 * A real exporter: Debian's softflowd reads the shared captures (-r, -a to
 * take times from the capture) and exports NetFlow v5, v9 or IPFIX to our
 * listener on loopback. The decoded records must be the flows of the capture
 * (same count per protocol, flags, packets, addresses, times), and the
 * detectors fed from them must name the scanners the packets name.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { ipv4ToString, ipv6ToString } from '../../../src/decode/address.js';
import { NetflowDecoder } from '../../../src/capture/flows/netflow-decoder.js';
import { NetflowSource } from '../../../src/capture/flows/netflow-source.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from '../../../src/decode/packet-view.js';
import {
  captureFlows,
  capturePath,
  flowScans,
  flowTechnique,
  haveCaptures,
  haveSoftflowd,
  packetScans,
  truth,
  waitFor,
  type Flow,
} from './helpers.js';

const skip = !haveCaptures() ? 'shared captures not found' : !haveSoftflowd() ? 'softflowd not installed (apt-get install softflowd)' : false;

/** Run softflowd on `path` towards 127.0.0.1:`port`; returns the export datagram count it reports. */
function softflowd(path: string, port: number, version: number, extra: string[] = []): number {
  const p = spawnSync('softflowd', ['-r', path, '-n', `127.0.0.1:${port}`, '-v', String(version), '-d', '-a', ...extra], { encoding: 'utf8', timeout: 60_000 });
  const m = /Flows exported: \d+ \((\d+) records\) in (\d+) packets \(0 failures\)/.exec(p.stdout + p.stderr);
  assert.ok(m, `softflowd failed: ${p.stdout}${p.stderr}`);
  return Number(m[2]);
}

interface Rec {
  key: string;
  start: number;
  end: number;
}

/** Decode what softflowd sends, with the decoder alone (no views): the records. */
async function exported(path: string, version: number): Promise<{ recs: Rec[]; d: NetflowDecoder }> {
  const recs: Rec[] = [];
  const d = new NetflowDecoder({ maxTemplates: 100, maxExporters: 10 }, (r) => {
    const v6 = r.ipVersion === 6;
    const icmp = r.proto === IPPROTO_ICMP || r.proto === IPPROTO_ICMPV6;
    const tc = icmp ? (r.icmpType >= 0 ? r.icmpType * 256 + r.icmpCode : r.dport) : 0;
    const key = flowKey(v6 ? ipv6ToString(r.src6) : ipv4ToString(r.src4), v6 ? ipv6ToString(r.dst6) : ipv4ToString(r.dst4), r.proto, icmp ? 0 : r.sport, icmp ? 0 : r.dport, tc, r.proto === IPPROTO_TCP ? r.tcpFlags : 0, r.packets);
    recs.push({ key, start: r.start, end: r.end });
  });
  const sock = createSocket('udp4');
  sock.on('message', (m, ri) => d.decode(m, `${ri.address}:${ri.port}`, Date.now() / 1000));
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  sock.setRecvBufferSize(8 << 20);
  const datagrams = softflowd(path, sock.address().port, version);
  await waitFor(`${datagrams} datagrams`, () => d.datagrams >= datagrams, 60_000);
  sock.close();
  return { recs, d };
}

function flowKey(src: string, dst: string, proto: number, sport: number, dport: number, icmp: number, flags: number, packets: number): string {
  return `${src} > ${dst} proto ${proto} ${sport}>${dport} icmp ${icmp} flags ${flags} packets ${packets}`;
}

function keyOf(f: Flow): string {
  return flowKey(f.src, f.dst, f.proto, f.sport, f.dport, f.icmp, f.flags, f.packets);
}

function counted(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

describe('softflowd as the exporter', { skip }, () => {
  for (const [version, name] of [
    [9, 'NetFlow v9'],
    [10, 'IPFIX'],
    [5, 'NetFlow v5'],
  ] as [number, string][]) {
    for (const capture of ['evilfingers_nmap_sS_TCP_SYN_SCAN', 'hw13-01_nmap_sS_sF_sX_sU_multi']) {
      test(`${name}: the records of ${capture} are its flows (per protocol, flags, packets, addresses, times)`, async () => {
        const path = capturePath(capture);
        let flows = await captureFlows(path);
        // NetFlow v5 carries no IPv6.
        if (version === 5) flows = flows.filter((f) => !f.v6);
        const { recs, d } = await exported(path, version);
        if (version !== 5) {
          assert.ok(d.store.templatesReceived > 0, 'templates arrived');
          assert.equal(d.noTemplate, 0, 'no data before its template');
        }
        assert.equal(d.truncated + d.badSet + d.badTemplate + d.badRecord + d.badVersion, 0, 'nothing malformed');
        assert.equal(d.sequenceLost, 0, 'no datagram lost');
        assert.deepEqual(counted(recs.map((r) => r.key)), counted(flows.map(keyOf)), 'the same flows, direction by direction');
        // The scanner's SYN flows: 1002 SYNs (two retries from another source port) to
        // 1000 ports; SYN alone, or SYN then RST where nmap reset an open port.
        if (capture.startsWith('evilfingers')) {
          const probes = recs
            .filter((r) => r.key.startsWith('192.168.1.10 > 192.168.1.25 proto 6 '))
            .map((r) => ({ flags: Number(/flags (\d+) /.exec(r.key)![1]), dport: Number(/>(\d+) icmp/.exec(r.key)![1]) }))
            .filter((p) => (p.flags & 2) !== 0);
          assert.equal(probes.length, 1002);
          assert.equal(new Set(probes.map((p) => p.dport)).size, 1000);
          assert.equal(probes.filter((p) => p.flags === 2).length, 997);
        }
        // Times from the capture. softflowd tracks both directions as one flow and
        // gives both records its start and end; v9's header has whole seconds only.
        const slack = version === 9 ? 1.001 : 0.002;
        const envelope = new Map<string, { first: number; last: number }>();
        const conv = (f: Flow) => [`${f.src}|${f.sport}`, `${f.dst}|${f.dport}`].sort().join('|') + `|${f.proto}|${f.icmp}`;
        for (const f of flows) {
          const e = envelope.get(conv(f));
          envelope.set(conv(f), e ? { first: Math.min(e.first, f.first), last: Math.max(e.last, f.last) } : { first: f.first, last: f.last });
        }
        const byKey = new Map(flows.map((f) => [keyOf(f), envelope.get(conv(f))!]));
        for (const r of recs) {
          const f = byKey.get(r.key)!;
          assert.ok(Math.abs(r.start - f.first) <= slack && Math.abs(r.end - f.last) <= slack, `${r.key}: ${r.start}..${r.end} vs ${f.first}..${f.last}`);
        }
      });
    }
  }

  test('IPFIX biflows (-b, RFC 5103 reverse fields) give the same directions', async () => {
    const path = capturePath('evilfingers_nmap_sS_TCP_SYN_SCAN');
    const src = new NetflowSource({
      listen: { host: '127.0.0.1', port: 0 },
      recvBuffer: 8 << 20,
      maxTemplates: 100,
      maxExporters: 10,
      warnInterval: 10,
      views: { time: 'flow', holdMs: 60_000, maxHeld: 1_000_000, maxRepeat: 8 },
      warn: () => {},
    });
    const scans = await flowScans(src, async (port) => {
      const n = softflowd(path, port, 10, ['-b']);
      await waitFor('src.decoder.datagrams >= n', () => src.decoder.datagrams >= n, 60_000);
    });
    assert.ok(src.views.biflows > 0);
    assert.equal(src.views.flagsSplit, 0, 'reverse tcpControlBits present: no guessing');
    assert.deepEqual([...scans.keys()], ['192.168.1.10']);
    assert.deepEqual(scans.get('192.168.1.10')!.technique, ['syn']);
  });

  const t = truth();
  for (const [name, expect] of Object.entries(t)) {
    for (const version of name.startsWith('evilfingers') ? [9, 10] : [9]) {
      test(`v${version} flows of ${name} name the scanners the packets name`, async () => {
        const path = capturePath(name);
        const src = new NetflowSource({
          listen: { host: '127.0.0.1', port: 0 },
          recvBuffer: 8 << 20,
          maxTemplates: 100,
          maxExporters: 10,
          warnInterval: 10,
          views: { time: 'flow', holdMs: 60_000, maxHeld: 1_000_000, maxRepeat: 8 },
          warn: () => {},
        });
        const flows = await flowScans(src, async (port) => {
          const n = softflowd(path, port, version);
          await waitFor('src.decoder.datagrams >= n', () => src.decoder.datagrams >= n, 60_000);
        });
        const packets = await packetScans(path);
        assert.deepEqual([...flows.keys()].sort(), [...packets.keys()].sort(), 'the same scanners');
        for (const s of expect.scanners) assert.ok(flows.has(s.ip), `${s.ip} named`);
        for (const b of expect.benign ?? []) assert.ok(!flows.has(b), `benign ${b} not named`);
        for (const [ip, p] of packets) {
          const f = flows.get(ip)!;
          assert.deepEqual(f.technique, [...new Set(p.technique.map(flowTechnique))].sort(), `${ip}: techniques (connect is syn on flows)`);
          assert.equal(f.pattern, p.pattern, `${ip}: pattern`);
          // Flows carry no window, options or IP ID: only nmap's discovery set (echo +
          // timestamp + SYN 443 + ACK 80, all visible in flow records) can name a tool.
          assert.ok(f.tool === 'unknown' || (f.tool === 'nmap' && p.tool === 'nmap'), `${ip}: no tool fingerprint in flows but nmap's discovery set (${f.tool})`);
        }
      });
    }
  }
});
