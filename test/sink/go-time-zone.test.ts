/**
 * Peng prints Go's zone abbreviation (`+0200 CEST`). Ours comes from the
 * system's TZif files; each zone is checked against what `date +%z %Z` (glibc,
 * reading the same files) prints for the same instants: both sides of DST
 * changes, old local mean time, and far past and future (the TZif footer rule).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parsePosixNames, parseTzif } from '../../src/sink/tz-abbrev.js';
import { REPO, runCli, SAMPLE } from '../helpers/cli.js';

const ZONES = ['Europe/Berlin', 'Europe/London', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'Asia/Tokyo', 'UTC', 'Etc/GMT-14'];
const INSTANTS = [
  1589313563, // 2020-05-12, Peng's README example (CEST)
  1231009114, // 2009-01-03, the sample capture
  1711846799, 1711846800, // 2024-03-31 01:00 UTC: Europe's spring change, either side
  1729990799, 1729990800, // 2024-10-27 01:00 UTC: autumn
  -2208988800, // 1900: local mean times (Kolkata +0521)
  -1, 0, 2147483647, 2147483648, // around the 32-bit limit
  4102444800, 4118083200, // 2100 January and July: past the table, from the footer rule
];
const noDate = spawnSync('date', ['--version']).status === 0 ? false : 'GNU date is not installed';

/** Zone part (`+0200 CEST`) of goTime for each instant, in a process with TZ=zone. */
function ours(zone: string): string[] {
  const code = `import { goTime } from ${JSON.stringify(join(REPO, 'src/sink/go-time.ts'))};
for (const t of ${JSON.stringify(INSTANTS)}) console.log(goTime(t).split(' ').slice(2).join(' '));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO, env: { ...process.env, TZ: zone }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n');
}

function dates(zone: string): string[] {
  const r = spawnSync('date', ['-f', '-', '+%z %Z'], { input: INSTANTS.map((t) => `@${t}`).join('\n') + '\n', env: { ...process.env, TZ: zone }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n');
}

describe('zone abbreviation as date +%Z prints it', { skip: noDate }, () => {
  for (const zone of ZONES) {
    test(zone, { skip: existsSync(join('/usr/share/zoneinfo', zone)) ? false : `no tz data for ${zone}` }, () => {
      assert.deepEqual(ours(zone), dates(zone));
    });
  }
  test('Europe/Berlin summer is +0200 CEST, London BST/GMT, Kolkata IST', () => {
    assert.equal(ours('Europe/Berlin')[0], '+0200 CEST');
    assert.deepEqual(ours('Europe/London').slice(0, 2), ['+0100 BST', '+0000 GMT']);
    assert.equal(ours('Asia/Kolkata')[0], '+0530 IST');
  });
  test('TZ unset is /etc/localtime, TZ="" is UTC', { skip: existsSync('/etc/localtime') ? false : 'no /etc/localtime' }, () => {
    const env = { ...process.env };
    delete env.TZ;
    const code = `import { goTime } from ${JSON.stringify(join(REPO, 'src/sink/go-time.ts'))}; console.log(goTime(${INSTANTS[0]}).split(' ').slice(2).join(' '));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO, env, encoding: 'utf8' });
    const d = spawnSync('date', ['-d', `@${INSTANTS[0]}`, '+%z %Z'], { env, encoding: 'utf8' });
    assert.equal(r.stdout.trim(), d.stdout.trim());
    assert.equal(ours('')[0], '+0000 UTC');
  });
});

test('the CLI writes CEST/CET in -export and on the console for Europe/Berlin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peng-tz-'));
  try {
    const csv = join(dir, 'frames.csv');
    const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/16', '-export', csv], { env: { TZ: 'Europe/Berlin' } });
    assert.equal(r.code, 0, r.stderr);
    const zone = '(\\+0100 CET|\\+0200 CEST)';
    assert.match(readFileSync(csv, 'utf8'), new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{9} ${zone},`));
    assert.match(r.stdout, new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{9} ${zone}\\] \\[CLIENT\\]`, 'm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TZif parsing: header checks, footer names', () => {
  assert.equal(parseTzif(Buffer.from('not a tzif file at all, but long enough to have a header')), null);
  const berlin = parseTzif(readFileSync('/usr/share/zoneinfo/Europe/Berlin'));
  assert.ok(berlin && berlin.names.includes('CEST') && berlin.footer.startsWith('CET-1CEST'));
  assert.deepEqual(parsePosixNames('CET-1CEST,M3.5.0,M10.5.0/3'), [
    { name: 'CET', utoff: 3600 },
    { name: 'CEST', utoff: 7200 },
  ]);
  assert.deepEqual(parsePosixNames('<+0530>-5:30'), [{ name: '+0530', utoff: 19800 }]);
  assert.deepEqual(parsePosixNames('<-03>3'), [{ name: '-03', utoff: -10800 }]);
  assert.deepEqual(parsePosixNames(''), []);
});
