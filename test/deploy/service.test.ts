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
import { ALL_MODULES } from '../../src/assemble/registry.js';
import { REPO, startCli } from '../helpers/cli.js';
import { connect, createServer } from 'node:net';
import { labUnavailable } from '../helpers/namespaces.js';
import { waitFor } from '../helpers/wait.js';

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

const liveSkip = labUnavailable({ tools: ['setpriv'], engine: 'native', rootFor: 'to hand out the capabilities' }) ?? false;


test('what the unit grants is enough: user nobody with only ambient CAP_NET_RAW/CAP_NET_ADMIN captures live on lo (lab lock)', { skip: liveSkip, timeout: 60_000 }, async () => {
  const caps = service(unit).get('AmbientCapabilities')!.split(' ').map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const closed = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const m = createServer();
  await new Promise<void>((r) => m.listen(0, '127.0.0.1', r));
  const metricsPort = (m.address() as { port: number }).port;
  await new Promise<void>((r) => m.close(() => r()));
  // What systemd does for User= + AmbientCapabilities= + CapabilityBoundingSet=, done by setpriv.
  const prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`, `--bounding-set=-all,${caps}`];
  const cli = startCli(['-network', 'lo', '--filter', `tcp port ${closed}`, '-verbose', '1', '--metrics', `127.0.0.1:${metricsPort}`], prefix);
  try {
    await waitFor('the capture to open', () => cli.output().stderr.includes('watching live:lo') || cli.child.exitCode !== null);
    assert.equal(cli.child.exitCode, null, cli.output().stderr);
    const status = readFileSync(`/proc/${cli.child.pid}/status`, 'utf8');
    // setpriv execs node in place: the pid is the sensor, running as nobody with the two capabilities only.
    assert.match(status, /^Uid:\s+65534\s+65534/m);
    assert.match(status, /^CapEff:\s+0000000000003000$/m, 'CAP_NET_ADMIN (12) and CAP_NET_RAW (13), nothing else');
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => connect(closed, '127.0.0.1').on('error', () => resolve()).on('connect', function (this: import('node:net').Socket) { this.destroy(); resolve(); }));
    }
    let delivered = -1;
    await waitFor('6 packets delivered', async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      delivered = Number(/^peng_capture_delivered_total (\d+)$/m.exec(text)?.[1] ?? -1);
      return delivered === 6;
    }, 30_000, 50);
  } finally {
    cli.child.kill('SIGINT');
  }
  const out = await cli.done;
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /capture\.delivered=6\b/, '3 SYNs and 3 RSTs captured without root');
});
