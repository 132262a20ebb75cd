/**
 * Issue 8, items 8 and 9, with real tools in the namespace lab, live and
 * replayed: a spoofed SYN flood (hping3 --rand-source) names its victim with
 * the flood flag; ten nmap processes sharing one host's ports name it as the
 * victim of a distributed scan; nmap -D names every decoy and links them into
 * one group. Benign traffic runs alongside and is never named.
 *
 * Needs root, iproute2, tcpdump, nc, python3, hping3, nmap (bash .ci/install-deps);
 * run under the lab lock: flock /tmp/peng-lab.lock node --import tsx --test test/scenarios/many-to-one.test.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alertsOptionMissing, LAB_BENIGN } from './catalog.js';
import { labUnavailable, SCANNER4, VICTIMS4, which } from '../helpers/scan-lab.js';
import { labFixture } from './lab-fixture.js';
import { recordRun, replayAll, show, type EventLine, type LabRun } from './lab-events.js';

const unavailable = labUnavailable() ?? alertsOptionMissing();
const VICTIM = VICTIMS4[0]!;
/** Sources of the distributed scan, added to the scanner namespace. */
const SPLIT = Array.from({ length: 10 }, (_, i) => `10.77.0.${30 + i}`);
const DECOYS = ['10.77.0.11', '10.77.0.12', '10.77.0.13'];

/** Exactly one start and one end per id, start first, end last. */
function lifecycle(events: EventLine[], where: string): void {
  for (const id of new Set(events.map((e) => String(e.id)))) {
    const mine = events.filter((e) => e.id === id);
    assert.equal(mine[0]!.event, 'start', `${id} starts first (${where})\n${show(mine)}`);
    assert.equal(mine.at(-1)!.event, 'end', `${id} ends last (${where})\n${show(mine)}`);
    assert.equal(mine.filter((e) => e.event === 'start').length, 1, `one start for ${id} (${where})`);
    assert.equal(mine.filter((e) => e.event === 'end').length, 1, `one end for ${id} (${where})`);
  }
}

function views(run: LabRun, extra: string[] = []): [string, EventLine[]][] {
  assert.equal(run.live.code, 0, `live sensor exit: ${run.live.stderr}`);
  const replay = replayAll(run.pcap, extra);
  assert.equal(replay.code, 0, `replay exit: ${replay.stderr}`);
  return [
    ['live', run.live.events],
    [`replay of ${run.pcap}`, replay.events],
  ];
}

describe('many-to-one and decoys with real tools (live and replayed)', { skip: unavailable ?? false, concurrency: 1 }, () => {
  const fx = labFixture('peng-many-', async (lab) => {
    for (const a of [...SPLIT, ...DECOYS]) await lab.exec(lab.scannerNs, 'ip', ['addr', 'add', `${a}/24`, 'dev', lab.scannerIf]);
  });

  test('hping3 --rand-source SYN flood: the victim is named, flood flag, with benign clients alongside', { skip: which('hping3') ? false : 'hping3 is not installed', timeout: 180_000 }, async (t) => {
    const { lab, dir } = fx;
    const run = await recordRun(lab, dir, 'flood', async () => {
      const benign = lab.benign({ seconds: 3, refused: false });
      const r = await lab.scanner('hping3', ['-S', '-p', '8080', '--rand-source', '-c', '20000', '--faster', VICTIM], 90_000);
      assert.ok(r.code === 0 || /packets transmitted/.test(r.stdout + r.stderr), `hping3: ${r.stderr}`);
      const b = await benign;
      assert.ok(b.http_ok >= 10, `benign HTTP: ${JSON.stringify(b)}`);
    }, [], 20_000);
    t.diagnostic(`tcpdump: ${run.captured} packets; live kernel drops: ${run.live.kernelDropped}`);
    for (const [where, events] of views(run)) {
      const dist = events.filter((e) => e.kind === 'distributed');
      lifecycle(dist, where);
      assert.deepEqual([...new Set(dist.map((e) => e.victim))], [VICTIM], `only the flood's victim is named (${where})\n${show(dist)}`);
      const end = dist.find((e) => e.event === 'end')!;
      assert.equal(end.flood, true, `flood flag (${where})\n${show(dist)}`);
      assert.deepEqual(end.top_ports, [8080], `the flooded port (${where})`);
      assert.ok(Number(end.sources) >= 1000, `sources estimated ${String(end.sources)} (${where})`);
      t.diagnostic(`${where}: ${show([end])}`);
      for (const e of events.filter((x) => x.kind === 'scan')) assert.ok(!LAB_BENIGN.includes(String(e.scanner)), `benign client named (${where}): ${show([e])}`);
    }
  });

  test('ten nmap processes sharing the ports of one host: a distributed scan of it (not a flood)', { skip: which('nmap') ? false : 'nmap is not installed', timeout: 180_000 }, async (t) => {
    const { lab, dir } = fx;
    const run = await recordRun(lab, dir, 'split-scan', async () => {
      const scans = SPLIT.map((src, i) =>
        lab.scanner('nmap', ['-n', '-Pn', '-sS', '-T4', '--max-retries', '1', '-e', lab.scannerIf, '-S', src, '-p', `${1 + 30 * i}-${30 * (i + 1)}`, VICTIM], 90_000),
      );
      for (const r of await Promise.all(scans)) assert.equal(r.code, 0, `nmap: ${r.stderr}`);
    }, [], 600);
    for (const [where, events] of views(run)) {
      const dist = events.filter((e) => e.kind === 'distributed');
      lifecycle(dist, where);
      assert.deepEqual([...new Set(dist.map((e) => e.victim))], [VICTIM], `the victim is named (${where})\n${show(dist)}`);
      const end = dist.find((e) => e.event === 'end')!;
      assert.equal(end.flood, false, `not a flood (${where})`);
      assert.ok(Number(end.sources) >= 9 && Number(end.sources) <= 11, `sources ~10: ${String(end.sources)} (${where})`);
      assert.ok(Number(end.ports) >= 200, `ports ~300: ${String(end.ports)} (${where})`);
      t.diagnostic(`${where}: ${show([end])}`);
    }
  });

  test('nmap -D: every decoy is named, all in one group of four', { skip: which('nmap') ? false : 'nmap is not installed', timeout: 180_000 }, async (t) => {
    const { lab, dir } = fx;
    const run = await recordRun(lab, dir, 'decoys', async () => {
      const benign = lab.benign({ seconds: 2, refused: false });
      const r = await lab.scanner('nmap', ['-n', '-Pn', '-sS', '-T4', '--max-retries', '1', '-e', lab.scannerIf, '-S', SCANNER4, '-D', `${DECOYS[0]},${DECOYS[1]},ME,${DECOYS[2]}`, '-p', '1-200', VICTIM], 90_000);
      assert.equal(r.code, 0, `nmap: ${r.stderr}`);
      await benign;
    }, [], 800);
    for (const [where, events] of views(run)) {
      const scans = events.filter((e) => e.kind === 'scan');
      lifecycle(scans, where);
      const named = [...new Set(scans.map((e) => String(e.scanner)))].sort();
      assert.deepEqual(named, [SCANNER4, ...DECOYS].sort(), `every decoy and the real source named, nobody else (${where})\n${show(scans)}`);
      const groups = new Set(scans.map((e) => e.group));
      assert.equal(groups.size, 1, `one group (${where})\n${show(scans)}`);
      const [g] = groups;
      assert.match(String(g), /^decoy-10\.77\.0\.100-\d+$/, `group id (${where})`);
      for (const e of scans) assert.equal(e.group_sources, 4, `group_sources on ${e.event} of ${String(e.scanner)} (${where})`);
      t.diagnostic(`${where}: ${named.length} sources in ${String(g)}`);
    }
  });

  test('entropy alarm: a SYN burst over thousands of ports lifts SERVER entropy above its learned baseline (item 12)', { skip: which('hping3') ? false : 'hping3 is not installed', timeout: 180_000 }, async (t) => {
    const { lab, dir } = fx;
    // 1 s frames and a 3-frame warm-up (the default is 20 frames): the lab's benign traffic is the baseline.
    const args = ['-timeFrame', '1s', '--entropy-warmup', '3'];
    const run = await recordRun(lab, dir, 'entropy', async () => {
      const b = await lab.benign({ seconds: 6, refused: false });
      assert.ok(b.http_ok >= 10, `benign HTTP: ${JSON.stringify(b)}`);
      // SYNs to ports 1..8000 (hping3 -p ++1) as fast as it goes: one or two 1 s frames of thousands
      // of ports (3,000 consecutive ports give about 0.35; the learned threshold is near 0.16).
      const r = await lab.scanner('hping3', ['-S', '-p', '++1', '-c', '8000', '--faster', VICTIM], 90_000);
      assert.ok(r.code === 0 || /packets transmitted/.test(r.stdout + r.stderr), `hping3: ${r.stderr}`);
    }, args, 6000);
    for (const [where, events] of views(run, args)) {
      const alarms = events.filter((e) => e.kind === 'entropy');
      assert.ok(alarms.length >= 1, `an entropy event (${where})\n${show(events.filter((e) => e.kind !== 'scan'))}`);
      for (const a of alarms) {
        assert.equal(a.direction, 'server', `direction (${where})`);
        assert.ok(Number(a.value) > Number(a.threshold) && Number(a.threshold) > Number(a.baseline), `value above threshold above baseline (${where}): ${JSON.stringify(a)}`);
      }
      t.diagnostic(`${where}: ${alarms.length} alarm(s), first ${JSON.stringify(alarms[0])}`);
      for (const e of events.filter((x) => x.kind === 'scan')) assert.ok(!LAB_BENIGN.includes(String(e.scanner)), `benign client named (${where}): ${show([e])}`);
    }
  });
});
