/**
 * Outputs that fail: a full disk (/dev/full, and a real 64 KiB tmpfs as root),
 * a missing directory, a directory, and files opened before --user drops root.
 * The tmpfs and live tests need root and take the lab lock when run as the
 * repository's CI does (`flock /tmp/peng-lab.lock`).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO, runCli, SAMPLE, SENSOR } from '../helpers/cli.js';
import { labUnavailable } from '../helpers/namespaces.js';

const dir = mkdtempSync(join(tmpdir(), 'peng-outfaults-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const base = ['-r', SAMPLE, '--local-net', '10.99.0.0/16'];
const counter = (stderr: string, name: string) => Number(stderr.match(new RegExp(`\\b${name.replace('.', '\\.')}=(\\d+)`))?.[1] ?? 0);

test('a full device (/dev/full): one line per output, counters say 0 written, exit 1', { skip: !existsSync('/dev/full') && 'no /dev/full' }, () => {
  const r = runCli([...base, '-timeFrame', '100ms', '-verbose', '0', '-export', '/dev/full', '--alerts', '/dev/full', '--alerts-csv', '/dev/full']);
  assert.equal(r.code, 1, r.stderr);
  for (const opt of ['-export', '--alerts', '--alerts-csv']) {
    const said = r.stderr.split('\n').filter((l) => l.startsWith(`peng-ts: ${opt} /dev/full: no space left on device`));
    assert.equal(said.length, 1, r.stderr);
  }
  assert.equal(counter(r.stderr, 'csv.rows'), 0, 'nothing reached the device');
  assert.equal(counter(r.stderr, 'alerts.jsonl_events'), 0);
  assert.equal(counter(r.stderr, 'alerts.csv_events'), 0);
  assert.ok(counter(r.stderr, 'entropy.frames') > 20, 'the sensor went on to the end');
  assert.match(r.stderr, /3 outputs failed .*: exit status 1/);
});

test('an output that cannot be opened (missing directory, a directory): one line at start, exit 1, nothing run', () => {
  for (const [path, why] of [
    [join(dir, 'no', 'such', 'frames.csv'), 'no such directory'],
    [dir, 'is a directory'],
  ]) {
    const r = runCli([...base, '-export', path]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n'), [`peng-ts: -export ${path}: ${why}`]);
    assert.equal(r.stdout, '', 'no frame printed: the run did not start');
  }
});

test('a disk filling up (64 KiB tmpfs): the file ends on a whole row, csv.rows = rows on disk, exit 1', { skip: labUnavailable({ tools: ['mount', 'umount'], rootFor: 'to mount a tmpfs' }) ?? false }, () => {
  const mnt = join(dir, 'small');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  try {
    const csv = join(mnt, 'frames.csv');
    // 1 ms frames: ~2,700 rows of ~60 bytes, more than 64 KiB.
    const r = runCli([...base, '-timeFrame', '1ms', '-verbose', '0', '-export', csv]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.split('\n').filter((l) => l.includes('no space left on device; this output stopped')).length, 1, r.stderr);
    const text = readFileSync(csv, 'utf8');
    assert.ok(text.length > 32_000, `${text.length} bytes written before the disk was full`);
    assert.ok(text.endsWith('\n'), 'no cut last row');
    const rows = text.split('\n').length - 1;
    for (const row of text.trimEnd().split('\n')) assert.match(row, /^2026-\S+ \S+ \+0000 UTC,\d\.\d{6},\d\.\d{6}$/);
    assert.equal(counter(r.stderr, 'csv.rows'), rows, 'the counter says what is on disk, not what was queued');
    assert.ok(counter(r.stderr, 'entropy.frames') > rows, 'more frames were made than the disk took');
  } finally {
    execFileSync('umount', [mnt]);
  }
});

test('--user: output files are opened as root before privileges are dropped (as tcpdump -Z with -w)', { skip: labUnavailable({ engine: 'native', rootFor: 'to drop privileges with --user' }) ?? false }, async () => {
  const rootOnly = mkdtempSync(join(dir, 'root-only-')); // mode 0700, owned by root: nobody cannot create files here
  const csv = join(rootOnly, 'frames.csv');
  const alerts = join(rootOnly, 'alerts.jsonl');
  // Loopback only, nothing is sent: the run is started and stopped.
  const child = spawn(process.execPath, [...SENSOR, '-network', 'lo', '--user', 'nobody', '-export', csv, '--alerts', alerts, '-timeFrame', '1s'], {
    cwd: REPO,
    env: { ...process.env, TZ: 'UTC' },
  });
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const watching = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/watching live:lo/.test(stderr)) resolve();
    });
  });
  await Promise.race([watching, closed]);
  child.kill('SIGINT');
  const code = await closed;
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /permission denied|EACCES/);
  assert.equal(statSync(csv).uid, 0, 'created as root, before the drop');
  assert.ok(statSync(alerts).isFile());
  assert.ok(readFileSync(csv, 'utf8').split('\n').length >= 1);
});
