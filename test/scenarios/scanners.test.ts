/**
 * Issue 3: real scanners against a namespace lab (test/helpers/scan-lab.ts).
 * Each scenario records the victim veth with tcpdump while the sensor watches
 * the same veth live; benign traffic from 10.77.0.5 (fd77::5) runs before and
 * during the scan. Then the live alerts and the replay of the capture must
 * both name the scanner, with the technique, pattern and tool the scenario
 * expects, once (one start and one end per scan id), and nobody else.
 *
 * Needs root, iproute2, tcpdump, nc, python3 and the scanners
 * (bash .ci/install-deps). Captures of failed scenarios are kept under
 * /tmp/peng-scenarios-*; set PENG_KEEP_CAPTURES=1 to keep all of them, and
 * PENG_SCENARIOS=nmap-sT,zmap to run only some scenarios.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { labUnavailable, which, type ScanEventRecord } from '../helpers/scan-lab.js';
import { labFixture } from './lab-fixture.js';
import { alertsOptionMissing, LAB_BENIGN, LAB_VICTIMS, replayEvents, runScenario, SCENARIOS, type Scenario, type ScenarioRun } from './catalog.js';

const unavailable = labUnavailable() ?? alertsOptionMissing();
/** PENG_SCENARIOS=nmap-sT,zmap runs only those (slugs as in catalog.ts). */
const only = process.env.PENG_SCENARIOS ? process.env.PENG_SCENARIOS.split(',').map((x) => x.trim()) : null;
if (unavailable) console.log(`# scanner scenarios skipped: ${unavailable}`);

/** The events as short text for failure messages. */
function show(events: ScanEventRecord[]): string {
  if (events.length === 0) return '(no events)';
  return events
    .map((e) => `${e.event} ${e.id} ${e.scanner} technique=${e.technique.join(',')} pattern=${e.pattern} tool=${e.tool} targets=${e.targets} ports=${e.ports} probes=${e.probes} p2d=${e.probesToDetect}`)
    .join('\n');
}

/** The one scan of the scenario's scanner, after the checks every event list must pass; returns its start and end. */
function checkEvents(events: ScanEventRecord[], s: Scenario, where: string): { start: ScanEventRecord; end: ScanEventRecord } {
  const ctx = `${where}:\n${show(events)}`;
  for (const e of events) {
    assert.ok(!LAB_BENIGN.includes(e.scanner), `benign client ${e.scanner} named (${where})\n${show(events)}`);
    assert.ok(!LAB_VICTIMS.includes(e.scanner), `victim ${e.scanner} named (${where})\n${show(events)}`);
  }
  assert.deepEqual([...new Set(events.map((e) => e.scanner))], [s.scanner], `only the scanner ${s.scanner} is named (${ctx})`);

  const ids = [...new Set(events.map((e) => e.id))];
  assert.equal(ids.length, 1, `one scan, one id (${ctx})`);
  const mine = events.filter((e) => e.id === ids[0]);
  assert.equal(mine.filter((e) => e.event === 'start').length, 1, `one start (${ctx})`);
  assert.equal(mine.filter((e) => e.event === 'end').length, 1, `one end (${ctx})`);
  assert.equal(mine[0]!.event, 'start', `start comes first (${ctx})`);
  assert.equal(mine[mine.length - 1]!.event, 'end', `end comes last (${ctx})`);
  const start = mine[0]!;
  const end = mine[mine.length - 1]!;

  for (const e of [start, end]) {
    assert.equal(e.technique[0], s.technique[0], `${e.event}: technique ${s.technique[0]} first (${ctx})`);
    for (const t of e.technique) assert.ok(s.technique.includes(t) || s.extraTechniques?.includes(t), `${e.event}: unexpected technique ${t} (${ctx})`);
    assert.equal(e.pattern, s.pattern, `${e.event}: pattern (${ctx})`);
    if (s.tool) assert.equal(e.tool, s.tool, `${e.event}: tool (${ctx})`);
    else assert.ok(e.tool !== 'masscan' && e.tool !== 'zmap', `${e.event}: no raw-scanner tool for this scan (${ctx})`);
    assert.ok(Number.isFinite(e.ts) && Number.isFinite(e.firstSeen) && Number.isFinite(e.lastSeen), `${e.event}: times (${ctx})`);
    assert.ok(e.firstSeen <= e.lastSeen && e.firstSeen <= e.ts + 1e-3, `${e.event}: first_seen <= last_seen, ts (${ctx})`);
    assert.ok(e.probesToDetect >= 1 && e.probesToDetect <= e.probes, `${e.event}: 1 <= probes_to_detect <= probes (${ctx})`);
  }
  for (const t of s.technique) assert.ok(end.technique.includes(t), `end: technique ${t} listed (${ctx})`);
  assert.ok(end.probes >= start.probes && end.lastSeen >= start.lastSeen - 1e-3, `end carries the final counts (${ctx})`);
  return { start, end };
}

/** Counts only the capture can be held to (live may lose packets in the kernel). */
function checkCounts(end: ScanEventRecord, s: Scenario, where: string): void {
  const ctx = `${where}: ${show([end])}`;
  if (s.counts) {
    const [t0, t1] = s.counts.targets;
    const [p0, p1] = s.counts.ports;
    assert.ok(end.targets >= t0 && end.targets <= t1, `targets in [${t0}, ${t1}] (${ctx})`);
    assert.ok(end.ports >= p0 && end.ports <= p1, `ports in [${p0}, ${p1}] (${ctx})`);
    return;
  }
  if (s.pattern === 'vertical') {
    assert.equal(end.targets, s.targets, `targets (${ctx})`);
    // nmap -sU: 137 and 138 are --udp-ignore-ports by default.
    assert.ok(end.ports >= Math.floor(s.ports * 0.9) && end.ports <= s.ports, `ports ~${s.ports} (${ctx})`);
  } else {
    assert.ok(end.targets >= Math.min(20, s.targets) && end.targets <= s.targets, `targets ~${s.targets} (${ctx})`);
    assert.ok(end.ports >= 1 && end.ports <= s.ports, `ports <= ${s.ports} (${ctx})`);
  }
  assert.ok(end.probes >= end.ports, `probes >= ports (${ctx})`);
}

describe('real scanners, live and replayed (issue 3)', { skip: unavailable ?? false }, () => {
  const fx = labFixture('peng-scenarios-');

  for (const s of SCENARIOS) {
    const missing = which(s.binary)
      ? only && !only.includes(s.slug)
        ? `not in PENG_SCENARIOS=${only.join(',')}`
        : false
      : `${s.binary} is not installed (bash .ci/install-deps)`;
    test(`${s.slug}: ${s.technique.join('+')} ${s.pattern}${s.tool ? ` by ${s.tool}` : ''}`, { skip: missing, timeout: 150_000 }, async (t) => {
      let run: ScenarioRun | undefined;
      try {
        run = await runScenario(fx.lab, s, fx.dir, { live: true });
        t.diagnostic(`$ ${run.command}  (${run.scan.ms} ms; tcpdump: ${run.recorded.captured} packets, ${run.recorded.droppedByKernel} dropped)`);
        assert.equal(run.scan.code, 0, `scanner failed: ${run.scan.stderr}`);

        // The benign traffic really happened (else "no alert" proves nothing).
        const b = run.benign.reduce((a, x) => ({ http: a.http + x.http_ok, dns: a.dns + x.dns_replies, refused: a.refused + x.refused }), { http: 0, dns: 0, refused: 0 });
        t.diagnostic(`benign: ${b.http} HTTP connections, ${b.dns} DNS replies, ${b.refused} refused`);
        assert.ok(b.http >= 30, `benign HTTP connections: ${JSON.stringify(run.benign)}`);
        assert.ok(b.dns >= 5, `benign DNS replies: ${JSON.stringify(run.benign)}`);
        assert.ok(b.refused >= 3, `benign refused connections: ${JSON.stringify(run.benign)}`);

        const live = run.live!;
        assert.equal(live.code, 0, `live sensor exit: ${live.stderr}`);
        t.diagnostic(`live sensor exited ${live.stopMs} ms after SIGINT; kernel drops: ${live.kernelDropped}`);
        const replay = replayEvents(run.pcap);
        assert.equal(replay.code, 0, `replay exit: ${replay.stderr}`);

        const L = checkEvents(live.events, s, `live ${live.events.length ? '' : '(alerts file empty) '}${s.slug}`);
        const R = checkEvents(replay.events, s, `replay of ${run.pcap}`);
        checkCounts(R.end, s, `replay of ${run.pcap}`);
        t.diagnostic(`live: detected after ${L.start.probesToDetect} probes; replay: after ${R.start.probesToDetect} probes, ${(R.start.ts - R.start.firstSeen).toFixed(3)} s after the first`);
        if (s.maxProbesToDetect !== undefined) {
          assert.ok(R.start.probesToDetect <= s.maxProbesToDetect, `replay named after ${R.start.probesToDetect} probes, more than ${s.maxProbesToDetect}`);
          assert.ok(L.start.probesToDetect <= s.maxProbesToDetect, `live named after ${L.start.probesToDetect} probes, more than ${s.maxProbesToDetect}`);
        }

        // Live and replay saw the same packets (tcpdump and the sensor share
        // the veth): what names the scan must be equal. Counts may differ
        // only if the live capture lost packets, and the live clock ends
        // pending probes at SIGINT rather than at the last packet, so
        // failures are not compared.
        assert.equal(L.end.scanner, R.end.scanner);
        assert.deepEqual([...L.end.technique].sort(), [...R.end.technique].sort(), 'live and replay techniques');
        assert.equal(L.end.pattern, R.end.pattern, 'live and replay pattern');
        assert.equal(L.end.tool, R.end.tool, 'live and replay tool');
        if (live.kernelDropped === 0) {
          assert.equal(L.end.targets, R.end.targets, 'live and replay targets (no kernel drops)');
          assert.equal(L.end.ports, R.end.ports, 'live and replay ports (no kernel drops)');
          assert.equal(L.end.probes, R.end.probes, 'live and replay probes (no kernel drops)');
        }
        // Passed: only failed scenarios keep their capture (unless PENG_KEEP_CAPTURES).
        if (!fx.keepAll) for (const f of [run.pcap, run.pcap.replace(/\.pcap$/, '.live.jsonl'), run.pcap.replace(/\.pcap$/, '.live.out')]) rmSync(f, { force: true });
      } catch (e) {
        fx.failed();
        if (run) (e as Error).message += `\n(capture kept: ${run.pcap}; live alerts: ${run.pcap.replace(/\.pcap$/, '.live.jsonl')})`;
        throw e;
      }
    });
  }
});
