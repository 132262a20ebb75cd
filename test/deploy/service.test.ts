/**
 * deploy/peng-ts.service checked by systemd itself (`systemd-analyze verify`),
 * with ExecStart pointed at this checkout's CLI (verify insists that the
 * binary exists) and the config path at the shipped example; the example is
 * loaded by the real CLI parser. A unit with a mistake must fail the same check.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCli } from '../../src/config/cli.js';
import { ALL_MODULES } from '../../src/config/modules.js';
import { REPO } from '../helpers/cli.js';

const unit = readFileSync(join(REPO, 'deploy/peng-ts.service'), 'utf8');
const analyze = spawnSync('systemd-analyze', ['--version']);
const noAnalyze = analyze.status === 0 ? false : 'systemd-analyze is not installed';
const dir = mkdtempSync(join(tmpdir(), 'peng-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Directive values of the [Service] section. */
function service(text: string): Map<string, string> {
  const body = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  return new Map([...body.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

function verify(text: string): { code: number | null; out: string } {
  const here = text
    .replace('/usr/local/bin/peng-ts', join(REPO, 'bin/peng-ts.js'))
    .replace('/etc/peng-ts/peng-ts.yaml', join(REPO, 'deploy/peng-ts.yaml'));
  const path = join(dir, 'peng-ts.service');
  writeFileSync(path, here);
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', path], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('unprivileged, two capabilities, restart on failure, options from the config file', () => {
  const s = service(unit);
  assert.equal(s.get('User'), 'peng-ts');
  assert.equal(s.get('AmbientCapabilities'), 'CAP_NET_RAW CAP_NET_ADMIN');
  assert.equal(s.get('CapabilityBoundingSet'), 'CAP_NET_RAW CAP_NET_ADMIN');
  assert.equal(s.get('Restart'), 'on-failure');
  assert.equal(s.get('RestartPreventExitStatus'), '64', 'a config error (exit 64) is not retried');
  assert.equal(s.get('ExecReload'), '/bin/kill -HUP $MAINPID', 'reload = reopen the outputs');
  const exec = s.get('ExecStart')!.split(' ');
  assert.deepEqual(exec.slice(1), ['--config', '/etc/peng-ts/peng-ts.yaml']);
  // The options reach the sensor only through the file the service names.
  const p = parseCli(exec.slice(1).map((a) => (a === '/etc/peng-ts/peng-ts.yaml' ? join(REPO, 'deploy/peng-ts.yaml') : a)), ALL_MODULES);
  assert.equal(p.network, 'eth0');
  assert.match(String(p.alerts), /^\/var\/log\/peng-ts\//, 'outputs in the LogsDirectory the unit creates');
  assert.equal(s.get('LogsDirectory'), 'peng-ts');
});

test('systemd-analyze verify accepts the unit', { skip: noAnalyze }, () => {
  const r = verify(unit);
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /Unknown key|Failed to parse|Invalid/i);
});

test('systemd-analyze verify rejects a broken copy (the check can fail)', { skip: noAnalyze }, () => {
  const r = verify(unit.replace('ExecStart=/usr/local/bin/peng-ts', 'ExecStart=/nonexistent/peng-ts'));
  assert.notEqual(r.code, 0);
  assert.match(r.out, /nonexistent/);
});
