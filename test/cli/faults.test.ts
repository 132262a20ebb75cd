import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

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
