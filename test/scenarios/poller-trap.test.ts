/**
 * Issue 8's monitoring-poller trap, for the ping side (items 2): a benign
 * host (10.77.0.5) pings six victims every 2 s and checks TCP 22 and 443 on
 * them (one closed port refused each round), with no scanner at all. Live
 * and replayed, nobody may be named; the replay's counters show the pings
 * were seen and that the rounds after the first were repeats.
 *
 * Needs root, iproute2, tcpdump, nc, fping (bash .ci/install-deps).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BENIGN4, labUnavailable, readScanEvents, VICTIMS4, which } from '../helpers/scan-lab.js';
import { labFixture } from './lab-fixture.js';
import { alertsOptionMissing, replayEvents } from './catalog.js';

const unavailable = labUnavailable() ?? alertsOptionMissing() ?? (which('fping') ? null : 'fping is not installed (bash .ci/install-deps)');
const ROUNDS = 6;
const HOSTS = VICTIMS4.slice(0, 6);

describe('a monitoring poller', { skip: unavailable ?? false }, () => {
  const fx = labFixture('peng-poller-');

  test('pings and TCP checks of six hosts every 2 s: never named, live or replayed', { timeout: 120_000 }, async (t) => {
    const { lab, dir } = fx;
    try {
      const pcap = join(dir, 'poller.pcap');
      const alerts = join(dir, 'poller.live.jsonl');
      const recording = await lab.record(pcap);
      const sensor = await lab.startSensor(alerts);
      // fping -c: ROUNDS echo requests to each host, one round every 2 s.
      const pings = lab.scanner('fping', ['-S', BENIGN4, '-I', lab.scannerIf, '-q', '-c', String(ROUNDS), '-p', '2000', ...HOSTS]);
      const checks = `for r in $(seq ${ROUNDS}); do for h in ${HOSTS.join(' ')}; do nc -z -w 1 -s ${BENIGN4} $h 22; nc -z -w 1 -s ${BENIGN4} $h 443; done; nc -z -w 1 -s ${BENIGN4} ${HOSTS[0]} 81; sleep 2; done; exit 0`;
      const tcp = lab.scanner('bash', ['-c', checks]);
      const [p, c] = await Promise.all([pings, tcp]);
      assert.equal(p.code, 0, `fping: ${p.stderr}`);
      assert.equal(c.code, 0, `TCP checks: ${c.stderr}`);
      // Once the sensor printed the sentinel's SYN it has read everything before it; tcpdump stops once its file holds it.
      const through = await sensor.sawSentinel(await lab.sentinel());
      const stopped = await sensor.stop();
      const rec = await recording.stop({ through });
      t.diagnostic(`poller: ${ROUNDS} rounds of ${HOSTS.length} pings and ${2 * HOSTS.length + 1} TCP checks; tcpdump ${rec.captured} packets`);
      assert.equal(stopped.code, 0, stopped.stderr);
      const live = readScanEvents(alerts);
      assert.deepEqual(live.map((e) => `${e.event} ${e.scanner} ${e.technique}`), [], 'live: no scan named');
      const replay = replayEvents(pcap);
      assert.equal(replay.code, 0, replay.stderr);
      assert.deepEqual(replay.events.map((e) => `${e.event} ${e.scanner} ${e.technique}`), [], 'replay: no scan named');
      const count = (name: string) => Number(new RegExp(`${name.replace('.', '\\.')}=(\\d+)`).exec(replay.stderr)?.[1] ?? 0);
      t.diagnostic(`replay: discovery.pings=${count('discovery.pings')} discovery.ping_repeats=${count('discovery.ping_repeats')} discovery.ping_replies=${count('discovery.ping_replies')}`);
      assert.equal(count('discovery.pings'), HOSTS.length, 'the first round is counted, once per host');
      assert.equal(count('discovery.ping_repeats'), HOSTS.length * (ROUNDS - 1), 'every later round is a repeat');
    } catch (e) {
      fx.failed();
      (e as Error).message += `\n(capture kept in ${dir})`;
      throw e;
    }
  });
});
