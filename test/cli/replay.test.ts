import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { frameLines, runCli, SAMPLE, SHARED_CAPTURES } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'peng-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('replay of the bundled sample: Peng console lines, SERVER entropy of the nmap scan', () => {
  const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/24', '-timeFrame', '1m']);
  assert.equal(r.code, 0, r.stderr);
  const lines = frameLines(r.stdout);
  assert.ok(lines.length >= 2);
  assert.equal(lines[0].dir, 'CLIENT');
  assert.equal(lines[1].dir, 'SERVER');
  assert.match(lines[0].time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000 UTC$/);
  const server = Math.max(...lines.filter((l) => l.dir === 'SERVER').map((l) => l.value));
  assert.ok(server > 0.1, `SERVER entropy ${server}`);
  assert.ok(lines.filter((l) => l.dir === 'CLIENT').every((l) => l.value === 0));
  assert.match(r.stderr, /packets\.seen=\d+/);
});

test('-export appends one CSV row per frame, Peng columns, %f values, mode 0644', () => {
  const csv = join(dir, 'frames.csv');
  const args = ['-r', join(SHARED_CAPTURES, 'hw13-01_nmap_sS_sF_sX_sU_multi.pcapng'), '--local-net', '192.168.67.0/24', '-timeFrame', '1m', '-export', csv, '-verbose', '0'];
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'verbose 0 prints no frames');
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(rows.length, 10);
  for (const row of rows) assert.match(row, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000 UTC,\d\.\d{6},\d\.\d{6}$/);
  assert.ok(rows.some((row) => Number(row.split(',')[2]) > 0.8), 'the SYN scan frame');
  assert.equal(statSync(csv).mode & 0o777, 0o644);
  runCli(args);
  assert.equal(readFileSync(csv, 'utf8').trim().split('\n').length, 20, 'appended, not truncated');
}, );

test('replay from standard input (-r -) gives the same frames as from the file', () => {
  const fromFile = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/24', '-timeFrame', '1s']);
  const fromStdin = runCli(['-r', '-', '--local-net', '10.99.0.0/24', '-timeFrame', '1s'], { input: readFileSync(SAMPLE) });
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.deepEqual(frameLines(fromStdin.stdout), frameLines(fromFile.stdout));
  assert.ok(frameLines(fromFile.stdout).length >= 2);
});

test('a damaged capture: one clear line, exit 2, frames read before the damage still printed', () => {
  const bytes = readFileSync(SAMPLE);
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
  const r = runCli(['-r', cut, '--local-net', '10.99.0.0/24']);
  assert.equal(r.code, 2);
  assert.ok(frameLines(r.stdout).length >= 2);
  const damage = r.stderr.split('\n').filter((l) => /cut short|corrupt/.test(l));
  assert.equal(damage.length, 1, r.stderr);
  const text = join(dir, 'text.pcap');
  writeFileSync(text, 'not a capture\n');
  const bad = runCli(['-r', text]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not a pcap or pcapng file/);
  assert.equal(bad.stdout, '');
});

test('configuration errors: one line, exit 64, no stack trace', () => {
  for (const [args, re] of [
    [['-r', SAMPLE, '-bin', '0'], /-bin: must be at least 1/],
    [['-r', SAMPLE, '-size', '1000'], /-size 1000 is not a multiple of -bin 16/],
    [['-r', SAMPLE, '-bin', '2048'], /larger than -size/],
    [[], /nothing to watch: give -network IFACE/],
    [['-r', SAMPLE, '--local-net', '10.0.0.0/33'], /--local-net: bad prefix length/],
  ] as [string[], RegExp][]) {
    const r = runCli(args);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('--help lists every option with its default, unit and range; -version prints the version', () => {
  const r = runCli(['--help']);
  assert.equal(r.code, 0);
  for (const s of ['-network', '-timeFrame', '-bin', '-size', '-verbose', '-export', '-version', '-interfaces', '--local-net', '--read', 'default: 1m', 'default: 16', 'unit: bits', 'range: 1..65536']) {
    assert.ok(r.stdout.includes(s), `help mentions ${s}`);
  }
  assert.match(runCli(['-version']).stdout, /^peng-ts \d+\.\d+\.\d+\n$/);
  const counts = runCli(['--help-counts']);
  assert.match(counts.stdout, /decode\.truncated \[sum\]/);
  assert.match(counts.stdout, /capture\.kernel_dropped \[sum\]/);
});

test('verbose 2 prints per-bin entropies, verbose 3 bitmaps and counted SYNs', () => {
  const v2 = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/24', '-verbose', '2']);
  assert.match(v2.stdout, /bin {3}0: entropy \d\.\d{6}/);
  assert.match(v2.stdout, /\[stats /);
  const v3 = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/24', '-verbose', '3']);
  assert.match(v3.stdout, /bin {3}0: entropy \d\.\d{6} {2}[01]{64}/);
  assert.match(v3.stdout, /SYN 10\.99\.0\.1:\d+ -> 10\.99\.0\.2:\d+ SERVER/);
});

test('shared captures exist for the other tests', { skip: !existsSync(SHARED_CAPTURES) && 'no ../shared' }, () => {
  assert.ok(existsSync(join(SHARED_CAPTURES, 'truth.json')));
});

test('a missing interface (or no permission to capture): one line, exit 1, no frames', () => {
  const r = runCli(['-network', 'nosuch0', '-timeFrame', '1s']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  // Without any capture engine built, the one line says what to install instead.
  assert.match(lines[0], /no capture device named "nosuch0"|setcap|root|apt-get install/);
});
