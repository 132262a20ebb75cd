/**
 * Golden replays, as bro-simple-scan's btest baselines: every capture in
 * test/pcaps/ (recorded in the namespace lab by test/golden/record-pcaps.ts,
 * checked in, so these checks need neither root nor ../shared) is replayed
 * by the CLI with TZ=UTC; its scan events (JSON Lines) and frames (-export
 * CSV) must equal test/golden/<name>.alerts.jsonl and <name>.frames.csv byte
 * for byte. A change in what the sensor reports shows as a diff here: read it,
 * then renew the baselines with
 *
 *   PENG_GOLDEN_UPDATE=1 node --import tsx --test test/golden/golden.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO, runCli } from '../helpers/cli.js';

const PCAPS = join(REPO, 'test/pcaps');
const GOLDEN = join(REPO, 'test/golden');
/** The lab's networks (test/helpers/scan-lab.ts LOCAL_NETS). */
const LOCAL_NETS = '10.77.0.0/24,fd77::/64';
const update = Boolean(process.env.PENG_GOLDEN_UPDATE);

const dir = mkdtempSync(join(tmpdir(), 'peng-golden-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pcaps = existsSync(PCAPS) ? readdirSync(PCAPS).filter((f) => f.endsWith('.pcap')).sort() : [];

test('test/pcaps holds the golden captures', () => {
  assert.ok(pcaps.length >= 5, `captures in test/pcaps: ${pcaps.join(', ')}`);
});

for (const file of pcaps) {
  const name = file.replace(/\.pcap$/, '');
  test(`golden replay ${name}: scan events and frames as in test/golden`, () => {
    const csv = join(dir, `${name}.csv`);
    const r = runCli(['-r', join(PCAPS, file), '--local-net', LOCAL_NETS, '-timeFrame', '1s', '--alerts', '-', '-verbose', '0', '-export', csv]);
    assert.equal(r.code, 0, r.stderr);
    const got = { alerts: r.stdout, frames: readFileSync(csv, 'utf8') };
    assert.ok(got.alerts.length > 0, 'some scan events');
    for (const kind of ['alerts', 'frames'] as const) {
      const path = join(GOLDEN, `${name}.${kind}.${kind === 'alerts' ? 'jsonl' : 'csv'}`);
      if (update) writeFileSync(path, got[kind]);
      assert.ok(existsSync(path), `no baseline ${path}: run with PENG_GOLDEN_UPDATE=1 once`);
      assert.equal(got[kind], readFileSync(path, 'utf8'), `${name} ${kind} differ from ${path}`);
    }
  });
}
