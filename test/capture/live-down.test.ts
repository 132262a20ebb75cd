/**
 * A capture interface that goes away or is set down mid-run: one line, the
 * stats line, the open frame flushed, exit 1. A veth pair made and deleted
 * here (no traffic is sent); needs root and a capture engine, under the lab lock.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { test } from 'node:test';
import { REPO, SENSOR } from '../helpers/cli.js';
import { labUnavailable } from '../helpers/namespaces.js';

// Root to add and delete a veth pair; the engine under test.
const nativeUnavailable = labUnavailable({ tools: ['ip'], engine: 'native', rootFor: 'to add a veth pair' });
const capUnavailable = labUnavailable({ tools: ['ip'], engine: 'cap', rootFor: 'to add a veth pair' });

type Ended = { code: number | null; signal: string | null; stderr: string; stdout: string };

/**
 * Start the sensor on a fresh veth, take the veth away (`del`) or set it down
 * (`down`), and return how the sensor ended. `netns`: the veth pair and the
 * sensor live in a namespace made here (removed at the end, even on failure).
 */
async function interfaceGoesAway(engine: 'native' | 'cap', how: 'del' | 'down' = 'del', netns = false): Promise<Ended> {
  const dev = `pgd${process.pid % 10000}${engine[0]}${how === 'down' ? 'd' : ''}`;
  const ns = netns ? `pengtest-down-${process.pid}` : '';
  const inNs = (cmd: string[]): string[] => (ns ? ['ip', 'netns', 'exec', ns, ...cmd] : cmd);
  const sh = (cmd: string[]): void => void execFileSync(cmd[0], cmd.slice(1));
  if (ns) sh(['ip', 'netns', 'add', ns]);
  try {
    sh(inNs(['ip', 'link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}p`]));
    sh(inNs(['ip', 'link', 'set', dev, 'up']));
    const argv = inNs([process.execPath, ...SENSOR, '-network', dev, '--capture-engine', engine, '--local-net', '10.0.0.0/8']);
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO, env: { ...process.env, TZ: 'UTC' } });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes(`watching live:${dev}`)) resolve();
      });
      child.on('close', () => resolve());
    });
    sh(inNs(how === 'del' ? ['ip', 'link', 'del', dev] : ['ip', 'link', 'set', dev, 'down']));
    // Backstop only: a sensor that does not notice is stopped after 30 s, and the asserts fail.
    const backstop = setTimeout(() => child.kill('SIGINT'), 30_000);
    const [code, signal] = await closed;
    clearTimeout(backstop);
    return { code, signal, stderr, stdout };
  } finally {
    try {
      if (ns) sh(['ip', 'netns', 'del', ns]); // takes its veths with it
      else execFileSync('ip', ['link', 'del', dev], { stdio: 'ignore' });
    } catch {
      // already gone: deleted by the test
    }
  }
}

function assertHandled(r: { code: number | null; signal: string | null; stderr: string }, dev: RegExp): void {
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^\[stats /m, 'the counters are printed');
  assert.match(r.stderr, dev);
  assert.doesNotMatch(r.stderr, /internal error|Assertion|\n\s+at /);
}

test('native engine: the interface deleted mid-run gives one line, the stats line, exit 1', { skip: nativeUnavailable ?? false }, async () => {
  const r = await interfaceGoesAway('native');
  assertHandled(r, /^peng-ts: capture on pgd\S+ failed: /m);
  assert.match(r.stdout, /\[CLIENT\] total entropy/, 'the open frame was flushed');
});

// libpcap >= 1.10 does not report a link set down (it waits for it to come back): the addon checks the flags after each idle second.
test('native engine: the interface set down mid-run gives one line saying what to do, the stats line, exit 1', { skip: nativeUnavailable ?? false }, async () => {
  const r = await interfaceGoesAway('native', 'down', true);
  assertHandled(r, /^peng-ts: capture on pgd\S+ failed: The interface went down: bring it up \(ip link set pgd\S+ up\) and start peng-ts again$/m);
  assert.equal(r.stderr.split('\n').filter((l) => /failed:/.test(l)).length, 1, 'one line');
  assert.match(r.stdout, /\[CLIENT\] total entropy/, 'the open frame was flushed');
});

// cap's binding aborts on the socket error (binding.cc:190): only its capture process may die (src/capture/cap-child.ts).
test('cap engine: the interface deleted mid-run gives one line, the stats line, exit 1', { skip: capUnavailable ?? false }, async () => {
  const r = await interfaceGoesAway('cap');
  assertHandled(r, /^peng-ts: capture on pgd\S+ failed: The interface disappeared/m);
  assert.match(r.stdout, /\[CLIENT\] total entropy/, 'the open frame was flushed');
});

test('cap engine: the interface set down mid-run gives one line, the stats line, exit 1', { skip: capUnavailable ?? false }, async () => {
  const r = await interfaceGoesAway('cap', 'down');
  assertHandled(r, /^peng-ts: capture on pgd\S+ failed: The interface went down/m);
  assert.match(r.stdout, /\[CLIENT\] total entropy/, 'the open frame was flushed');
});
