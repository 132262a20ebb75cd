import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO, runCli, SAMPLE, SENSOR } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'peng-faults-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('-r of a directory, a missing file or an unreadable name: one line, exit 1, no output file made', () => {
  for (const [path, why] of [
    [tmpdir(), /is a directory/],
    [join(dir, 'missing.pcap'), /no such file/],
    [join(dir, 'x'.repeat(300)), /name too long/],
  ] as const) {
    const csv = join(dir, 'frames.csv');
    const r = runCli(['-r', path, '--local-net', '10.0.0.0/8', '-export', csv]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^peng-ts: cannot read capture file .*: /);
    assert.match(lines[0], why);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(csv), false, 'no output is created for a run that cannot start');
  }
});

/** Run the CLI with its standard output already closed by the reader (as `| head -0` would). */
function runStdoutClosed(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...SENSOR, ...args], {
    cwd: REPO,
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy(); // every write the sensor makes to stdout now fails with EPIPE
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

test('stdout closed by its reader (EPIPE): console and --alerts - stop, the files are complete, exit 0', async () => {
  const base = ['-r', SAMPLE, '--local-net', '10.99.0.0/16', '-timeFrame', '10ms'];
  const fullCsv = join(dir, 'full.csv');
  const full = runCli([...base, '-export', fullCsv]);
  assert.equal(full.code, 0, full.stderr);
  const rows = lines(fullCsv).length;
  assert.ok(rows > 100, `${rows} frames`);
  for (const extra of [['-verbose', '3'], ['-verbose', '0', '--alerts', '-'], ['--alerts-csv', '-']]) {
    const csv = join(dir, `epipe-${extra.join('')}.csv`);
    const alerts = join(dir, `epipe-${extra.join('')}.jsonl`);
    const args = [...base, ...extra, '-export', csv];
    if (!extra.includes('--alerts')) args.push('--alerts', alerts);
    const r = await runStdoutClosed(args);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|internal error|\n\s+at /);
    assert.match(r.stderr, /^\[stats .*csv\.rows=(\d+)/m);
    assert.equal(lines(csv).length, rows, 'the CSV file got every frame');
    assert.equal(Number(r.stderr.match(/csv\.rows=(\d+)/)![1]), rows);
    if (!extra.includes('--alerts')) assert.equal(lines(alerts).length, 2, 'start and end of the nmap scan');
  }
});

test('stdout closed and nothing else written: the run stops early, as tcpdump does on SIGPIPE, exit 0', async () => {
  // The sample on a pipe this test keeps open: only a stop on EPIPE ends this run.
  const child = spawn(process.execPath, [...SENSOR, '-r', '-', '--local-net', '10.99.0.0/16', '-timeFrame', '10ms', '-verbose', '3'], {
    cwd: REPO,
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {}); // the sensor closes its end when it stops
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.write(readFileSync(SAMPLE));
  const backstop = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await closed;
  clearTimeout(backstop);
  child.stdin.destroy();
  assert.equal(code, 0, stderr);
  assert.match(stderr, /^\[stats /m);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`-r - with an idle pipe (the writer keeps it open) ends on ${signal}: frames flushed, stats, exit 0`, async () => {
    const sample = readFileSync(SAMPLE);
    const child = spawn(process.execPath, [...SENSOR, '-r', '-', '--local-net', '10.99.0.0/16', '-timeFrame', '1s'], {
      cwd: REPO,
      env: { ...process.env, TZ: 'UTC' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.on('error', () => {}); // the sensor may close its end first
    child.stdin.write(sample); // and the pipe stays open: the sensor waits for more
    // Condition: every packet of the sample has been handled (its frames are printed).
    const deadline = Date.now() + 30_000;
    while (!/\[CLIENT\] total entropy/.test(stdout)) {
      assert.ok(Date.now() < deadline, `no frame within 30 s: ${stderr}`);
      await new Promise((r) => child.stdout.once('data', r));
    }
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await closed;
    clearTimeout(timer);
    assert.equal(code, 0, `the sensor did not end on ${signal} while its pipe was idle: ${stderr}`);
    assert.match(stderr, /^\[stats .*packets\.seen=2119\b/m);
    assert.match(stdout, /\[SERVER\] total entropy: 0\.125000/, 'the open frame was flushed');
  });
}
