/**
 * Log rotation for real: the sensor replays a capture fed slowly through a
 * pipe (-r -), writing -export, --alerts and --alerts-csv; the real logrotate,
 * with its own config and state file in a temp dir, renames the three files,
 * creates new ones and sends SIGHUP from postrotate. Every frame row and every
 * scan event must then be in exactly one of the two generations, in order, with
 * a CSV header at the top of each alerts CSV. A second SIGHUP with nothing
 * rotated must change nothing either.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO, startCli } from '../helpers/cli.js';
import { ethernet, ipv4, pcapFile, tcp, type Rec } from '../../src/decode/craft.js';
import { waitFor } from '../helpers/wait.js';

const noLogrotate = spawnSync('logrotate', ['--version']).error ? 'logrotate is not installed (apt-get install logrotate)' : false;
const dir = mkdtempSync(join(tmpdir(), 'peng-logrotate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000;
/** Round k: at T0+k s, scanner 10.9.0.k sends FIN probes to 6 ports of 10.1.0.1 (a stealth scan: one start event). */
function round(k: number): Rec[] {
  return Array.from({ length: 6 }, (_, i) => ({
    sec: T0 + k,
    frac: i * 1000,
    data: ethernet(ipv4(tcp({ sport: 40000 + i, dport: 20 + i, flags: 0x01 }), { src: `10.9.0.${k}`, dst: '10.1.0.1', id: k * 10 + i })),
  }));
}
const records = (k: number) => pcapFile(1, round(k)).subarray(24);

const lines = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l.length > 0) : []);


test('logrotate + SIGHUP: no line lost or written twice in -export, --alerts, --alerts-csv', { skip: noLogrotate, timeout: 180_000 }, async () => {
  const frames = join(dir, 'frames.csv');
  const alerts = join(dir, 'alerts.jsonl');
  const alertsCsv = join(dir, 'alerts.csv');
  const cli = startCli(['-r', '-', '-timeFrame', '1s', '--local-net', '10.1.0.0/16', '-export', frames, '--alerts', alerts, '--alerts-csv', alertsCsv, '-verbose', '1']);
  const stdin = cli.child.stdin;
  stdin.write(pcapFile(1, []));
  const ROUNDS_BEFORE = 6;
  const ROUNDS_AFTER = 6;
  for (let k = 1; k <= ROUNDS_BEFORE; k++) stdin.write(records(k));
  // Round k closes frame k-1: rows for frames 1..ROUNDS_BEFORE-1, a start event per round.
  await waitFor('the first generation', () => lines(frames).length >= ROUNDS_BEFORE - 1 && lines(alerts).length >= ROUNDS_BEFORE && lines(alertsCsv).length >= ROUNDS_BEFORE + 1);

  // The shipped deploy/peng-ts.logrotate, pointed at this run: our files, our
  // process instead of the systemd unit, no owner change, no compression (to read them).
  const conf = join(dir, 'logrotate.conf');
  const shipped = readFileSync(join(REPO, 'deploy/peng-ts.logrotate'), 'utf8');
  assert.match(shipped, /^\s+systemctl kill --signal=HUP --kill-whom=main peng-ts\.service .*$/m);
  writeFileSync(
    conf,
    shipped
      .replace('/var/log/peng-ts/*.csv /var/log/peng-ts/*.jsonl', `${join(dir, '*.csv')} ${join(dir, '*.jsonl')}`)
      .replace(/^\s+systemctl kill .*$/m, `    kill -HUP ${cli.child.pid}`)
      .replace('create 0644 peng-ts peng-ts', 'create 0644')
      .replace(/^\s+(compress|delaycompress|daily)$/gm, ''),
  );
  assert.doesNotMatch(readFileSync(conf, 'utf8'), /systemctl|peng-ts peng-ts|compress/);
  const lr = spawnSync('logrotate', ['--force', '--state', join(dir, 'logrotate.state'), conf], { encoding: 'utf8' });
  assert.equal(lr.status, 0, lr.stderr);
  for (const f of [frames, alerts, alertsCsv]) assert.ok(existsSync(`${f}.1`), `${f} rotated`);
  await waitFor('the SIGHUP to be handled', () => cli.output().stderr.includes('SIGHUP: reopened'));
  assert.match(cli.output().stderr, /SIGHUP: reopened csv, alerts-jsonl, alerts-csv/);

  for (let k = ROUNDS_BEFORE + 1; k <= ROUNDS_BEFORE + ROUNDS_AFTER; k++) stdin.write(records(k));
  await waitFor('the second generation', () => lines(alerts).length >= ROUNDS_AFTER);
  // A SIGHUP with nothing rotated: same files, appended, nothing repeated.
  cli.child.kill('SIGHUP');
  await waitFor('the second SIGHUP', () => cli.output().stderr.split('SIGHUP: reopened').length === 3);
  stdin.end();
  const r = await cli.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /output\.reopens=2/);

  const rounds = ROUNDS_BEFORE + ROUNDS_AFTER;
  // Frames: one row per second of packet time, in order, each exactly once across both files.
  const rows = [...lines(`${frames}.1`), ...lines(frames)];
  assert.equal(rows.length, rounds, rows.join('\n'));
  assert.equal(new Set(rows.map((l) => l.split(',')[0])).size, rounds, 'no row twice');
  assert.ok(lines(`${frames}.1`).length >= ROUNDS_BEFORE - 1 && lines(frames).length >= 1, 'both generations hold rows');
  // Alerts: every scanner's start event once, in round order, across old + new.
  const events = [...lines(`${alerts}.1`), ...lines(alerts)].map((l) => JSON.parse(l) as { event: string; scanner: string });
  const starts = events.filter((e) => e.event === 'start').map((e) => e.scanner);
  assert.deepEqual(starts, Array.from({ length: rounds }, (_, i) => `10.9.0.${i + 1}`));
  assert.equal(events.filter((e) => e.event === 'end').length, rounds, 'every scan ended once (at end of input)');
  assert.ok(lines(`${alerts}.1`).length >= ROUNDS_BEFORE);
  // Alerts CSV: a header at the top of each generation, then the same events.
  const oldCsv = lines(`${alertsCsv}.1`);
  const newCsv = lines(alertsCsv);
  assert.match(oldCsv[0], /^ts,event,id,scanner,/);
  assert.match(newCsv[0], /^ts,event,id,scanner,/);
  assert.equal(newCsv.filter((l) => l.startsWith('ts,')).length, 1, 'one header in the new file, even after the second SIGHUP');
  assert.equal(oldCsv.length - 1 + newCsv.length - 1, events.length);
  assert.equal(statSync(frames).mode & 0o777, 0o644);
});

test('SIGHUP with no file outputs: the sensor keeps running, flushes, and still ends with its stats', async () => {
  const cli = startCli(['--netflow-listen', '127.0.0.1:0', '-verbose', '1']);
  await waitFor('the listener', () => cli.output().stderr.includes('watching NetFlow'));
  cli.child.kill('SIGHUP');
  await waitFor('the SIGHUP to be handled', () => cli.output().stderr.includes('SIGHUP: reopened nothing (no file outputs)'));
  assert.equal(cli.child.exitCode, null, 'still running');
  cli.child.kill('SIGINT');
  const r = await cli.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^\[stats .*\boutput\.reopens=1\b/m);
});
