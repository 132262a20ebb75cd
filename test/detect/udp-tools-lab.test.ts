/**
 * Issue 8 item 6: UDP sweeps by zmap (-M udp) and masscan (-pU) against the
 * namespace lab, watched live by the sensor and replayed from tcpdump's
 * capture, with the lab's benign traffic (HTTP, DNS from a Linux stack,
 * refused connections) alongside. Each must be named with its tool from the
 * marks in its UDP probes (fingerprint.ts udpFingerprint), and nobody else.
 *
 * Needs root and the lab tools; run under the lab lock:
 *   flock /tmp/peng-lab.lock node --import tsx --test test/detect/udp-tools-lab.test.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { labUnavailable, SCANNER4, VICTIMS4, which, type ScanEventRecord } from '../helpers/scan-lab.js';
import { alertsOptionMissing, replayEvents, runScenario, zmapSweep, type Scenario } from '../scenarios/catalog.js';
import { labFixture } from '../scenarios/lab-fixture.js';

const unavailable = labUnavailable() ?? alertsOptionMissing();

const SCENARIOS: Scenario[] = [
  {
    // 10.77.0.96/27: 24 victims answering ICMP port unreachable plus 8 addresses nobody answers for.
    // Not port 53: the lab's DNS responder is bound to 0.0.0.0 and answers every victim
    // address's query from 10.77.0.100, which then looks like UDP probes of its own.
    slug: 'zmap-udp',
    binary: 'zmap',
    argv: (lab) => ['zmap', '-M', 'udp', '--probe-args=text:peng', '-p', '161', ...zmapSweep(lab)],
    scanner: SCANNER4,
    technique: ['udp'],
    pattern: 'horizontal',
    tool: 'zmap',
    targets: 32,
    ports: 1,
    duringSeconds: 3,
  },
  {
    slug: 'masscan-udp',
    binary: 'masscan',
    argv: (lab) => ['masscan', VICTIMS4[0]!, '-pU:1-200', '--rate', '1000', '--wait', '1', '-e', lab.scannerIf, '--adapter-ip', SCANNER4, '--router-mac', lab.victimMac],
    scanner: SCANNER4,
    technique: ['udp'],
    pattern: 'vertical',
    tool: 'masscan',
    targets: 1,
    ports: 200,
    duringSeconds: 3,
  },
];

function show(events: ScanEventRecord[]): string {
  return events.map((e) => `${e.event} ${e.scanner} ${e.technique.join(',')} ${e.pattern} tool=${e.tool} probes=${e.probes} p2d=${e.probesToDetect}`).join('\n') || '(no events)';
}

function check(events: ScanEventRecord[], s: Scenario, where: string): ScanEventRecord {
  const ctx = `${where}\n${show(events)}`;
  assert.deepEqual([...new Set(events.map((e) => e.scanner))], [s.scanner], `only the scanner is named (${ctx})`);
  const start = events.find((e) => e.event === 'start');
  assert.ok(start, `a start event (${ctx})`);
  assert.equal(start.tool, s.tool, `tool on start (${ctx})`);
  assert.equal(start.technique[0], 'udp', `technique (${ctx})`);
  assert.equal(start.pattern, s.pattern, `pattern (${ctx})`);
  const end = events.filter((e) => e.event === 'end').pop();
  assert.ok(end, `an end event (${ctx})`);
  assert.equal(end.tool, s.tool, `tool on end (${ctx})`);
  return start;
}

describe('UDP sweeps by zmap and masscan name their tool (issue 8, item 6)', { skip: unavailable ?? false }, () => {
  const fx = labFixture('peng-udp-tools-');

  for (const s of SCENARIOS) {
    test(`${s.slug}: named ${s.tool}, live and replayed`, { skip: which(s.binary) ? false : `${s.binary} is not installed`, timeout: 150_000 }, async (t) => {
      try {
        const run = await runScenario(fx.lab, s, fx.dir, { live: true });
        t.diagnostic(`$ ${run.command} (${run.scan.ms} ms; tcpdump: ${run.recorded.captured} packets)`);
        assert.equal(run.scan.code, 0, `scanner failed: ${run.scan.stderr}`);
        assert.equal(run.live!.code, 0, `live sensor: ${run.live!.stderr}`);
        const live = check(run.live!.events, s, `live ${s.slug}`);
        const replay = replayEvents(run.pcap);
        assert.equal(replay.code, 0, replay.stderr);
        const r = check(replay.events, s, `replay ${run.pcap}`);
        t.diagnostic(`live: named after ${live.probesToDetect} probes; replay: after ${r.probesToDetect} probes; evidence: ${String(r.raw.tool_evidence)}; evasion: ${JSON.stringify(r.raw.evasion)}`);
      } catch (e) {
        fx.failed();
        throw e;
      }
    });
  }
});
