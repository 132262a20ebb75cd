import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalizeGoFlags, parseCli } from '../../src/config/cli.js';
import { parseDuration } from '../../src/config/duration.js';
import { ALL_MODULES, DETECTOR_MODULES } from '../../src/assemble/registry.js';
import { captureParams } from '../../src/capture/params.js';
import { sensorParams } from '../../src/assemble/sensor-params.js';
import { entropyModule } from '../../src/detect/entropy/module.js';
import { csvSinkModule } from '../../src/sink/csv-module.js';
import { FLOW_SOURCE_MODULES } from '../../src/capture/flows/module.js';
import { VERSION } from '../../src/version.js';

const MODULES = [captureParams, sensorParams, entropyModule, csvSinkModule];
const parse = (...argv: string[]) => parseCli(argv, MODULES);

test('Go flag syntax: -flag value, --flag value, -flag=value, --flag=value', () => {
  assert.deepEqual(normalizeGoFlags(['-network', 'eth0', '-timeFrame=1m', '--bin', '16', '-r', '-', '-5']), [
    '--network', 'eth0', '--timeFrame=1m', '--bin', '16', '-r', '-', '-5',
  ]);
  for (const argv of [
    ['-network', 'eth0', '-timeFrame', '30s', '-bin', '32', '-size', '2048', '-verbose', '2'],
    ['--network', 'eth0', '--timeFrame', '30s', '--bin', '32', '--size', '2048', '--verbose', '2'],
    ['-network=eth0', '-timeFrame=30s', '-bin=32', '-size=2048', '-verbose=2'],
    ['--network=eth0', '--time-frame=30s', '--bin=32', '--size=2048', '-v', '2'],
  ]) {
    const p = parse(...argv);
    assert.equal(p.network, 'eth0', argv.join(' '));
    assert.equal(p.timeFrame, 30);
    assert.equal(p.bin, 32);
    assert.equal(p.size, 2048);
    assert.equal(p.verbose, 2);
  }
});

test("defaults are Peng's: 1m frames, 16 bins, 1024 bits, verbose 1", () => {
  const p = parse('-r', 'x.pcap');
  assert.equal(p.timeFrame, 60);
  assert.equal(p.bin, 16);
  assert.equal(p.size, 1024);
  assert.equal(p.verbose, 1);
  assert.equal(p.hash, 'peng');
  assert.equal(p.read, 'x.pcap');
  assert.deepEqual(p['local-net'], []);
});

test('lists, booleans and durations', () => {
  const p = parse('--local-net', '10.0.0.0/8,192.168.1.0/24', '--local-net', 'fd00::/8', '-interfaces', '-timeFrame', '1h30m');
  assert.deepEqual(p['local-net'], ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/8']);
  assert.equal(p.interfaces, true);
  assert.equal(p.timeFrame, 5400);
  assert.equal(parseDuration('500ms'), 0.5);
  assert.equal(parseDuration('1.5h'), 5400);
  assert.ok(Number.isNaN(parseDuration('1 minute')));
});

test('an option with a bare value: --flows-listen alone means its default address', () => {
  const mods = [...MODULES, ...FLOW_SOURCE_MODULES];
  assert.equal(parseCli(['--flows-listen'], mods)['flows-listen'], 'default');
  assert.equal(parseCli(['--flows-listen', '-r', 'x'], mods)['flows-listen'], 'default');
  assert.equal(parseCli(['--flows-listen', '127.0.0.1:9995'], mods)['flows-listen'], '127.0.0.1:9995');
});

test('bad values give one clear line naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['-bin', '0'], /^-bin: must be at least 1 bins \(got 0\)$/],
    [['-size', '70000'], /^-size: must be at most 65536 bits/],
    [['-timeFrame', '0'], /^-timeFrame: must be at least 1ms/],
    [['-timeFrame', 'banana'], /^-timeFrame: "banana" is not a duration/],
    [['-verbose', '4'], /^-verbose: must be at most 3/],
    [['-bin', 'x'], /^-bin: "x" is not a number/],
    [['-hash', 'md5'], /^-hash: must be one of peng, spread/],
    [['-nosuchflag', '1'], /unknown option -nosuchflag/],
    [['capture.pcap'], /unexpected argument "capture.pcap"/],
    [['-bin'], /Not enough arguments following: bin/],
  ];
  for (const [argv, re] of cases) assert.throws(() => parse(...argv), (e: Error) => re.test(e.message), argv.join(' '));
});

test('every param and counter of every module has its own help text, and names are unique', () => {
  const all = ALL_MODULES;
  const helps = new Set<string>();
  const names = new Set<string>();
  for (const m of all) {
    assert.ok(m.help.length > 10, m.name);
    for (const item of [...m.params, ...m.counters]) {
      assert.ok(item.help.length > 10, `${m.name}.${item.name} has help`);
      assert.ok(!helps.has(item.help), `${m.name}.${item.name}: help text copied from another entry`);
      assert.ok(!names.has(item.name), `${item.name} declared twice`);
      helps.add(item.help);
      names.add(item.name);
    }
  }
});

test('every detector folder is registered and documented', () => {
  const root = join(import.meta.dirname, '../../src/detect');
  const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'module.ts')));
  const registered = new Set(DETECTOR_MODULES.map((m) => m.name));
  for (const f of folders) {
    const src = readFileSync(join(root, f.name, 'module.ts'), 'utf8');
    const name = /define\w+\(\{\s*name: '([^']+)'/.exec(src)?.[1];
    assert.ok(name && registered.has(name), `src/detect/${f.name} (module "${name}") is in DETECTOR_MODULES`);
    assert.ok(existsSync(join(root, f.name, 'NOTES.md')), `src/detect/${f.name}/NOTES.md exists`);
  }
});

test('every scan part that judges sources has its verdict bit (detect/scan/det.ts)', async () => {
  const { DET_NAMES } = await import('../../src/detect/scan/det.js');
  const { SCAN_PARTS } = await import('../../src/assemble/registry.js');
  const judges = SCAN_PARTS.filter((m) => m.name !== 'decoy'); // decoy groups sources, it names none
  for (const m of judges) assert.ok(DET_NAMES.includes(m.name), `${m.name} has a bit in Det`);
  assert.equal(new Set(DET_NAMES).size, DET_NAMES.length);
});

test('the version printed is the package version', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
});

test('docs/reference.md is the one generated from the descriptors (run npm run docs)', async () => {
  const { renderReference } = await import('../../src/config/docs.js');
  const onDisk = readFileSync(join(import.meta.dirname, '../../docs/reference.md'), 'utf8');
  assert.equal(onDisk, renderReference(ALL_MODULES));
});
