/**
 * `--config FILE`: YAML keys are the CLI's option names, one to one, through
 * the same coercion and ranges; the command line wins; unknown keys, aliases
 * and bad values are one line naming the file and line. Driven through the
 * real parser and, at the end, the real CLI on a replay.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCli } from '../../src/config/cli.js';
import { configKeys, parseConfigText } from '../../src/config/config-file.js';
import { ALL_MODULES } from '../../src/assemble/registry.js';
import { REPO, runCli, SAMPLE } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'peng-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const p = join(dir, `c${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

test('file values stand where the command line gives none; the command line overrides', () => {
  const f = file('timeFrame: 30s\nlocal-net: [10.0.0.0/8, 192.168.0.0/16]\npromisc: false\nverbose: 2\nbin: 32\n');
  const p = parseCli(['--config', f, '-r', 'x.pcap', '-verbose', '0'], ALL_MODULES);
  assert.equal(p.timeFrame, 30);
  assert.deepEqual(p['local-net'], ['10.0.0.0/8', '192.168.0.0/16']);
  assert.equal(p.promisc, false);
  assert.equal(p.verbose, 0, 'the command line wins');
  assert.equal(p.bin, 32);
  assert.equal(p.size, 1024, 'untouched options keep their defaults');
  assert.equal(parseCli([`-config=${f}`, '-r', 'x', '--promisc', '-bin', '8'], ALL_MODULES).promisc, true);
  assert.equal(parseCli([`-config=${f}`, '-r', 'x', '-bin', '8'], ALL_MODULES).bin, 8);
  // Comma-separated lists and seconds work as on the command line.
  const q = parseCli(['--config', file('local-net: 10.0.0.0/8,172.16.0.0/12\ntimeFrame: 90\n'), '-r', 'x'], ALL_MODULES);
  assert.deepEqual(q['local-net'], ['10.0.0.0/8', '172.16.0.0/12']);
  assert.equal(q.timeFrame, 90);
});

test('every option is a key, except the command-line actions', () => {
  const keys = configKeys(ALL_MODULES);
  for (const m of ALL_MODULES) for (const p of m.params) {
    assert.equal(keys.has(p.name), !['config', 'help-config', 'help-counts', 'version', 'interfaces'].includes(p.name), p.name);
  }
});

test('unknown keys, aliases, bad values and bad YAML: one line naming file and line', () => {
  const cases: [string, RegExp][] = [
    ['timeFrame: 1m\ntimeframe: 2m\n', /c\d+\.yaml:2: unknown option "timeframe": the keys are the long option names/],
    ['r: x.pcap\n', /:1: unknown option "r": write it as "read"/],
    ['version: true\n', /:1: unknown option "version": it is a command-line action/],
    ['bin: 0\n', /--config .*c\d+\.yaml: bin: must be at least 1/],
    ['timeFrame: soon\n', /timeFrame: "soon" is not a duration/],
    ['bin: [1, 2]\n', /:1: bin takes one value, not a list/],
    ['- a\n- b\n', /must be a mapping of option names to values/],
    ['bin: 16\nbin: 32\n', /:2: not valid YAML \(Map keys must be unique/],
    ['bin: [16\n', /not valid YAML/],
  ];
  for (const [text, re] of cases) {
    const f = file(text);
    assert.throws(() => parseCli(['--config', f, '-r', 'x'], ALL_MODULES), (e: Error) => re.test(e.message) && !e.message.includes('\n'), `${JSON.stringify(text)}: expected ${re}`);
  }
  assert.throws(() => parseCli(['--config', join(dir, 'missing.yaml'), '-r', 'x'], ALL_MODULES), /--config .*missing\.yaml: no such file/);
  assert.equal(parseConfigText('', 'empty', ALL_MODULES).size, 0, 'an empty file sets nothing');
  assert.equal(parseConfigText('alerts:\n', 'x', ALL_MODULES).size, 0, '"key:" alone is unset');
});

test('the shipped example (deploy/peng-ts.yaml) loads and covers the service outputs', () => {
  const p = parseCli(['--config', join(REPO, 'deploy/peng-ts.yaml')], ALL_MODULES);
  assert.equal(p.network, 'eth0');
  assert.equal(p.alerts, '/var/log/peng-ts/alerts.jsonl');
});

test('the reference documents every key in the config-file form', () => {
  const ref = readFileSync(join(REPO, 'docs/reference.md'), 'utf8');
  const section = ref.slice(ref.indexOf('## Config file'));
  assert.ok(section.length > 100);
  for (const k of configKeys(ALL_MODULES).keys()) assert.match(section, new RegExp(`^(# )?${k}:`, 'm'), k);
});

test('the CLI runs from a config file, and a flag overrides it', () => {
  const csv = join(dir, 'from-file.csv');
  const alerts = join(dir, 'alerts.jsonl');
  const f = file(`read: ${SAMPLE}\nlocal-net: [10.99.0.0/16]\nexport: ${csv}\nalerts: ${alerts}\nverbose: 0\n`);
  const r = runCli(['--config', f]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(csv, 'utf8').trim().split('\n').length, 1);
  assert.match(readFileSync(alerts, 'utf8'), /"event":"start"/);
  const other = join(dir, 'from-flag.csv');
  const r2 = runCli(['--config', f, '-export', other]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(existsSync(other));
  assert.equal(readFileSync(csv, 'utf8').trim().split('\n').length, 1, 'the file\'s -export was overridden, not also written');
  const bad = runCli(['--config', file('bogus: 1\n'), '-r', SAMPLE]);
  assert.equal(bad.code, 64);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /^peng-ts: --config .*: unknown option "bogus"/);
});
