/**
 * Issue 8 item 1 end to end: nmap 7.93 -sS with -f, -ff and --mtu 8 against
 * the namespace lab, the sensor watching live (its fragment table built from
 * the CLI defaults) and replaying tcpdump's capture, benign traffic alongside.
 * Each scan must be named syn / vertical / nmap with evasion ["fragments"],
 * one probe per datagram, and no fragment counted as damage.
 *
 * Needs root and the lab tools; run under the lab lock:
 *   flock /tmp/peng-lab.lock node --import tsx --test test/decode/fragments-lab.test.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { labUnavailable, SCANNER4, VICTIMS4, which, type ScanEventRecord } from '../helpers/scan-lab.js';
import { alertsOptionMissing, replayEvents, runScenario, type Scenario } from '../scenarios/catalog.js';
import { labFixture } from '../scenarios/lab-fixture.js';

const unavailable = labUnavailable() ?? alertsOptionMissing() ?? (which('nmap') ? null : 'nmap is not installed');

const fragScan = (slug: string, ...flags: string[]): Scenario => ({
  slug,
  binary: 'nmap',
  argv: (lab) => ['nmap', '-n', '-Pn', '--max-retries', '1', '-e', lab.scannerIf, '-sS', ...flags, '-T4', '-S', SCANNER4, '-p', '1-100', VICTIMS4[0]!],
  scanner: SCANNER4,
  technique: ['syn'],
  pattern: 'vertical',
  tool: 'nmap',
  targets: 1,
  ports: 100,
  duringSeconds: 3,
});

const SCENARIOS = [fragScan('nmap-f', '-f'), fragScan('nmap-ff', '-ff'), fragScan('nmap-mtu8', '--mtu', '8')];

function check(events: ScanEventRecord[], where: string): { start: ScanEventRecord; end: ScanEventRecord } {
  const ctx = `${where}\n${events.map((e) => `${e.event} ${e.scanner} ${e.technique} ${e.pattern} ${e.tool} probes=${e.probes} evasion=${JSON.stringify(e.raw.evasion)}`).join('\n') || '(no events)'}`;
  assert.deepEqual([...new Set(events.map((e) => e.scanner))], [SCANNER4], `only the scanner is named (${ctx})`);
  const start = events.find((e) => e.event === 'start');
  const end = events.filter((e) => e.event === 'end').pop();
  assert.ok(start && end, `start and end (${ctx})`);
  for (const e of [start, end]) {
    assert.deepEqual(e.technique, ['syn'], ctx);
    assert.equal(e.pattern, 'vertical', ctx);
    assert.equal(e.tool, 'nmap', ctx);
    assert.deepEqual(e.raw.evasion, ['fragments'], ctx);
  }
  return { start, end };
}

/** A counter from the sensor's final stats line (zero counters are left out). */
const counter = (stderr: string, name: string) => Number(new RegExp(`${name.replace('.', '\\.')}=(\\d+)`).exec(stderr)?.[1] ?? 0);

describe('fragmented nmap scans are decoded and named, with evasion (issue 8, item 1)', { skip: unavailable ?? false }, () => {
  const fx = labFixture('peng-frag-lab-');

  for (const s of SCENARIOS) {
    test(`${s.slug}: syn vertical nmap, evasion fragments, live and replayed`, { timeout: 150_000 }, async (t) => {
      try {
        const run = await runScenario(fx.lab, s, fx.dir, { live: true });
        t.diagnostic(`$ ${run.command} (${run.scan.ms} ms; tcpdump: ${run.recorded.captured} packets)`);
        assert.equal(run.scan.code, 0, `nmap failed: ${run.scan.stderr}`);
        const live = run.live!;
        assert.equal(live.code, 0, live.stderr);
        check(live.events, `live ${s.slug}`);
        assert.equal(counter(live.stderr, 'decode.truncated'), 0, live.stderr);
        assert.ok(counter(live.stderr, 'frag.tiny') >= 100, `live: a tiny-fragment datagram per port: ${live.stderr}`);
        const replay = replayEvents(run.pcap);
        assert.equal(replay.code, 0, replay.stderr);
        const r = check(replay.events, `replay ${run.pcap}`);
        assert.equal(counter(replay.stderr, 'decode.truncated'), 0, replay.stderr);
        assert.equal(r.end.ports, 100, 'one probe per port, not per fragment');
        assert.ok(r.end.probes >= 100 && r.end.probes <= 200, `probes ${r.end.probes}: one per datagram (retries allowed)`);
        t.diagnostic(`replay: named after ${r.start.probesToDetect} probes; frag.fragments=${counter(replay.stderr, 'frag.fragments')} frag.reassembled=${counter(replay.stderr, 'frag.reassembled')} decode.fragment=${counter(replay.stderr, 'decode.fragment')}`);
      } catch (e) {
        fx.failed();
        throw e;
      }
    });
  }
});
