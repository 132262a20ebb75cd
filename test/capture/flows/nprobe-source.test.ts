/**
 * nProbe JSON over real TCP connections to the listener. nProbe itself is
 * commercial, so the flows are built from the shared captures the way it
 * builds them (per direction, flags OR'ed, see helpers.ts) and written in its
 * documented JSON, by several clients at once, cut at random byte boundaries
 * (also inside multi-byte UTF-8 characters), with every kind of bad line.
 * The scanners named must be the ones the packets name.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { NprobeJsonSource } from '../../../src/capture/flows/nprobe-source.js';
import { isSensorError } from '../../../src/errors.js';
import { PacketView } from '../../../src/decode/packet-view.js';
import {
  captureFlows,
  capturePath,
  flowScans,
  flowTechnique,
  haveCaptures,
  nprobeLine,
  packetScans,
  rng,
  waitFor,
  type NamedScan,
  type NprobeStyle,
} from './helpers.js';

const skip = haveCaptures() ? false : 'shared captures not found';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function source(warnings: string[], o: { maxLine?: number; maxConnections?: number; holdMs?: number } = {}): NprobeJsonSource {
  return new NprobeJsonSource({
    listen: { host: '127.0.0.1', port: 0 },
    maxLine: o.maxLine ?? 4096,
    maxConnections: o.maxConnections ?? 16,
    warnInterval: 10,
    // One batch for the whole test: the result does not depend on how reads fall.
    views: { time: 'flow', holdMs: o.holdMs ?? 60_000, maxHeld: 1_000_000, maxRepeat: 8 },
    warn: (l) => warnings.push(l),
  });
}

async function open(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.setNoDelay(true);
  return s;
}

/**
 * Write `data` in random chunks of 1..maxChunk bytes; at each `pauseAt`
 * offset the chunk ends and the writer waits, so the listener reads the bytes
 * before it apart from the ones after.
 */
async function write(s: Socket, data: Buffer, r: () => number, maxChunk: number, pauseAt: number[] = []): Promise<void> {
  const stops = [...pauseAt].sort((a, b) => a - b);
  let pos = 0;
  while (pos < data.length) {
    let n = 1 + Math.floor(r() * maxChunk);
    const stop = stops.find((p) => p > pos && p < pos + n);
    if (stop !== undefined) n = stop - pos;
    n = Math.min(n, data.length - pos);
    const ok = s.write(data.subarray(pos, pos + n));
    pos += n;
    if (!ok) await once(s, 'drain');
    if (stop === pos) await sleep(20);
    else if (r() < 0.05) await new Promise((res) => setImmediate(res));
  }
}

async function finish(s: Socket): Promise<void> {
  s.end();
  await once(s, 'close');
}

/** Byte offsets inside the 4-byte emoji of the first `n` lines (cut between its 2nd and 3rd byte). */
function insideEmoji(data: Buffer, n: number): number[] {
  const out: number[] = [];
  const emoji = Buffer.from('🙂');
  let from = 0;
  while (out.length < n) {
    const i = data.indexOf(emoji, from);
    if (i < 0) break;
    out.push(i + 2);
    from = i + 4;
  }
  return out;
}

function sameScans(flows: Map<string, NamedScan>, packets: Map<string, NamedScan>, where: string): void {
  assert.deepEqual([...flows.keys()].sort(), [...packets.keys()].sort(), `${where}: the same scanners`);
  for (const [ip, p] of packets) {
    const f = flows.get(ip)!;
    assert.deepEqual(f.technique, [...new Set(p.technique.map(flowTechnique))].sort(), `${where}: ${ip} technique`);
    assert.equal(f.pattern, p.pattern, `${where}: ${ip} pattern`);
  }
}

const base = { IPV4_SRC_ADDR: '10.9.0.1', IPV4_DST_ADDR: '10.9.0.2', PROTOCOL: 6, L4_SRC_PORT: 40000, L4_DST_PORT: 22, TCP_FLAGS: 2, IN_PKTS: 1 };
const j = (o: Record<string, unknown>) => JSON.stringify(o);

describe('nProbe JSON over TCP', { skip }, () => {
  test('two exporters at once, random splits, every bad input, a client cut mid-line: counted, skipped, same scanner as the packets', async () => {
    const path = capturePath('evilfingers_nmap_sS_TCP_SYN_SCAN');
    const flows = await captureFlows(path);
    const r = rng(7);
    const maxLine = 4096;
    // Bad lines, each with the counter it must land in.
    const bad: [string, string][] = [
      ['this is not json', 'bad_json'],
      ['{"IPV4_SRC_ADDR": "10.0.0.1",', 'bad_json'],
      ['[1, 2]', 'not_object'], // two values, two not_object
      ['"a string"', 'not_object'],
      [j({ ...base, PROTOCOL: undefined }), 'missing_field'],
      [j({ ...base, L4_DST_PORT: undefined }), 'missing_field'],
      [j({ ...base, IPV4_SRC_ADDR: '10.0.0.999' }), 'bad_address'],
      [j({ ...base, IPV4_SRC_ADDR: undefined, IPV4_DST_ADDR: undefined, IPV6_SRC_ADDR: 'fe80::zz', IPV6_DST_ADDR: '::1' }), 'bad_address'],
      [j({ ...base, L4_DST_PORT: 70000 }), 'bad_value'],
      [j({ ...base, PROTOCOL: 'x' }), 'bad_value'],
      [j({ ...base, IN_PKTS: -1 }), 'bad_value'],
    ];
    const expectBad: Record<string, number> = { bad_json: 2, not_object: 3, missing_field: 2, bad_address: 2, bad_value: 3 };
    // Client A: the even flows with --json-labels keys; client B: the odd ones with numeric keys, CRLF endings.
    const partA: string[] = [];
    const partB: string[] = [];
    flows.forEach((f, i) => (i % 2 === 0 ? partA : partB).push(nprobeLine(f, i % 2 === 0 ? 'labels' : 'ids')));
    for (const [line] of bad) partA.splice(Math.floor(r() * partA.length), 0, line);
    partA.splice(Math.floor(r() * partA.length), 0, '', '   ', 'x'.repeat(maxLine + 100), '{"pad":"' + 'y'.repeat(3 * maxLine) + '"}');
    partB.splice(Math.floor(r() * partB.length), 0, 'z'.repeat(2 * maxLine));
    const dataA = Buffer.from(partA.join('\n') + '\n');
    const dataB = Buffer.from(partB.join('\r\n') + '\r\n');

    const warnings: string[] = [];
    const src = source(warnings, { maxLine });
    let closedSeen = -1;
    const scans = await flowScans(src, async (port) => {
      const [a, b] = await Promise.all([open(port), open(port)]);
      await waitFor('two connections', () => src.connectionsOpen === 2, 60_000);
      await Promise.all([write(a, dataA, r, 700, insideEmoji(dataA, 10)), write(b, dataB, r, 300, insideEmoji(dataB, 10))]);
      await Promise.all([finish(a), finish(b)]);
      await waitFor('the close of A and B', () => src.connectionsClosed === 2, 60_000);

      // C: one good line, then a line cut inside a UTF-8 character, then gone.
      const c = await open(port);
      const cLine = Buffer.from(j({ ...base, APPLICATION_NAME: 'ümlaut 🙂 cut' }));
      const cut = cLine.indexOf(Buffer.from('🙂')) + 2;
      c.write(Buffer.concat([Buffer.from(j(base) + '\n'), cLine.subarray(0, cut)]));
      await waitFor("C's first line", () => src.flows === flows.length + 1, 60_000);
      await sleep(20);
      c.destroy();
      // The disconnect is noticed at once, not at the next read or at stop.
      await waitFor('the close of C', () => src.connectionsClosed === 3, 60_000);
      closedSeen = src.connectionsClosed;

      // D: a last line without its newline, complete: taken.
      const d = await open(port);
      d.write(j({ ...base, L4_DST_PORT: 23 }));
      await finish(d);
      await waitFor('the close of D', () => src.connectionsClosed === 4, 60_000);
    });

    assert.equal(closedSeen, 3);
    assert.equal(src.flows, flows.length + 2, 'every good flow read (A, B, C\'s first line, D\'s unterminated line)');
    for (const [name, n] of Object.entries(expectBad)) {
      const i = ['ok', 'bad_json', 'not_object', 'missing_field', 'bad_address', 'bad_value'].indexOf(name);
      assert.equal(src.bad[i], n, `nprobe.${name}`);
    }
    assert.equal(src.oversize, 3, 'nprobe.oversize: the three long lines, never held whole');
    assert.equal(src.truncated, 1, 'nprobe.truncated: C\'s cut line');
    assert.equal(src.connectionsOpened, 4);
    assert.equal(src.connectionsClosed, 4);
    assert.equal(src.connectionsOpen, 0);
    assert.equal(src.lines, flows.length + bad.length + 2 + 1, 'non-blank lines within the cap');

    // Rate-limited: one line per reason at most, each naming its reason.
    const reasons = ['bad_json', 'not_object', 'missing_field', 'bad_address', 'bad_value', 'truncated', 'oversize'];
    for (const reason of reasons) {
      const mine = warnings.filter((w) => w.includes(reason) || (reason === 'oversize' && w.includes('longer than')));
      assert.equal(mine.length, 1, `one warning for ${reason}: ${warnings.join('\n')}`);
    }
    assert.ok(warnings.length <= reasons.length + 1, warnings.join('\n'));

    const packets = await packetScans(path);
    assert.ok(packets.has('192.168.1.10'));
    sameScans(scans, packets, 'sS over nProbe JSON');
  });

  test("PortScanDetector's exact template (no times: arrival time), one exporter: NULL scan named as from the packets", async () => {
    const path = capturePath('evilfingers_nmap_sN_NULL_SCAN');
    const flows = await captureFlows(path);
    const data = Buffer.from(flows.map((f) => nprobeLine(f, 'portscandetector')).join('\n') + '\n');
    const src = source([]);
    const scans = await flowScans(src, async (port) => {
      const s = await open(port);
      await write(s, data, rng(3), 2000);
      await finish(s);
      await waitFor('src.connectionsClosed === 1', () => src.connectionsClosed === 1, 60_000);
    });
    assert.equal(src.flows, flows.length);
    assert.equal(src.views.arrivalTimed, flows.length, 'no times in the template: arrival time');
    sameScans(scans, await packetScans(path), 'sN, PortScanDetector template');
    assert.deepEqual(scans.get('192.168.1.10')?.technique, ['null']);
  });

  for (const [name, style] of [
    ['hw13-01_nmap_sS_sF_sX_sU_multi', 'ids'],
    ['benign_ndpi_reddit_web_ipv6', 'labels'],
    ['DERIVED_rawip_victorialugi_nmap_sU_cloudvm', 'labels'],
  ] as [string, NprobeStyle][]) {
    test(`${name} as nProbe JSON (${style} keys): the same scanners as the packets`, async () => {
      const path = capturePath(name);
      const flows = await captureFlows(path);
      const data = Buffer.from(flows.map((f) => nprobeLine(f, style)).join('\n') + '\n');
      const src = source([]);
      const scans = await flowScans(src, async (port) => {
        const s = await open(port);
        await write(s, data, rng(5), 4000);
        await finish(s);
        await waitFor('src.connectionsClosed === 1', () => src.connectionsClosed === 1, 60_000);
      });
      assert.equal(src.flows, flows.length);
      assert.equal(src.bad.reduce((a, b) => a + b, 0), 0);
      sameScans(scans, await packetScans(path), name);
    });
  }

  test('biflows with CLIENT_TCP_FLAGS / SERVER_TCP_FLAGS become both directions', async () => {
    const seen: { src: number; flags: number; ts: number }[] = [];
    const src = source([], { holdMs: 0 });
    const run = src.run((v: PacketView) => seen.push({ src: v.src4, flags: v.tcpFlags, ts: v.ts }));
    await waitFor('src.port !== 0', () => src.port !== 0, 60_000);
    const s = await open(src.port);
    // A SYN to a closed port answered by RST|ACK, as one nProbe biflow.
    s.write(j({ ...base, TCP_FLAGS: 0x16, CLIENT_TCP_FLAGS: 2, SERVER_TCP_FLAGS: 0x14, OUT_PKTS: 1, FIRST_SWITCHED: 1700000000, LAST_SWITCHED: 1700000000 }) + '\n');
    await finish(s);
    await waitFor('seen.length === 2', () => seen.length === 2, 60_000);
    src.stop();
    await run;
    assert.deepEqual(
      seen.map((x) => [x.src, x.flags, x.ts]),
      [
        [0x0a090001, 2, 1700000000],
        [0x0a090002, 0x14, 1700000000],
      ],
    );
  });

  test('listen errors are SensorError FLOW_LISTEN; exporters beyond --flows-max-connections are refused', async () => {
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
    const port = (blocker.address() as { port: number }).port;
    const busy = new NprobeJsonSource({
      listen: { host: '127.0.0.1', port },
      maxLine: 1024,
      maxConnections: 1,
      warnInterval: 0,
      views: { time: 'flow', holdMs: 0, maxHeld: 100, maxRepeat: 1 },
      warn: () => {},
    });
    await assert.rejects(busy.run(() => {}), (e: unknown) => isSensorError(e) && e.code === 'FLOW_LISTEN' && /in use/.test(e.message));
    blocker.close();

    const warnings: string[] = [];
    const src = source(warnings, { maxConnections: 1, holdMs: 0 });
    const run = src.run(() => {});
    await waitFor('src.port !== 0', () => src.port !== 0, 60_000);
    const a = await open(src.port);
    await waitFor('src.connectionsOpen === 1', () => src.connectionsOpen === 1, 60_000);
    const b = connect(src.port, '127.0.0.1');
    await once(b, 'close');
    assert.equal(src.connectionsRefused, 1);
    assert.ok(warnings.some((w) => /refused/.test(w)));
    a.write(j(base) + '\n');
    await waitFor('the first exporter still served', () => src.flows === 1, 60_000);
    src.stop();
    await run;
    assert.equal(src.connectionsOpen, 0);
    a.destroy();
  });
});
