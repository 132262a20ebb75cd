/**
 * The cap engine's capture process holds a bounded queue of packet batches for
 * a sensor that falls behind (64 MiB; PENG_TS_CAP_QUEUE_BYTES shrinks it, for
 * tests). Driven for real: the sensor is stopped (SIGSTOP) while trafgen sends
 * UDP frames over a veth pair in a namespace made here, so the capture process
 * fills its pipe and its queue and must drop; then the sensor is let go on.
 * Checked: the one warning line, `capture.queue_dropped` in the stats lines
 * (during the run and at the end) equal to the total told at the end, packets
 * still delivered after the drops, and a clean exit 0 on SIGINT.
 * Needs root, cap and trafgen; under the lab lock.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { REPO, SENSOR } from '../helpers/cli.js';
import { labUnavailable, removeNamespaceSync } from '../helpers/namespaces.js';
import { waitFor } from '../helpers/wait.js';

// Root for a namespace with a veth pair; the cap engine under test; trafgen (netsniff-ng) sends.
const unavailable = labUnavailable({ tools: ['ip', 'trafgen'], engine: 'cap', netns: true, rootFor: 'to add a namespace with a veth pair' });

const run = promisify(execFile);
/** Deadline of every wait; a green run never reaches it. */
const WAIT_MS = 60_000;
/** 64 KiB of batches (4 of 16 KiB) plus the pipe's ~200 KiB: about 3,500 frames of 60 bytes before drops. */
const QUEUE_BYTES = 64 * 1024;
/** One burst while the sensor is stopped: far more than queue + pipe hold, slow enough for the capture process to keep up. */
const BURST = { count: 30_000, rate: 15_000 };

const until = (cond: () => boolean, what: string): Promise<void> => waitFor(what, cond, WAIT_MS, 50);

/** Every `name=value` of the stats lines in `text`, in order. */
function statsValues(text: string, name: string): number[] {
  const re = new RegExp(`^\\[stats [^\\]]*\\].*\\b${name.replace('.', '\\.')}=(\\d+)`, 'gm');
  return [...text.matchAll(re)].map((m) => Number(m[1]));
}

test('cap engine: a sensor that falls a whole queue behind loses packets counted in capture.queue_dropped, then goes on; exit 0', { skip: unavailable ?? false }, async (t) => {
  const ns = `pengtest-capq-${process.pid}`;
  const a = `cq${process.pid % 100000}a`; // captured on
  const b = `cq${process.pid % 100000}b`; // trafgen sends here
  const dir = mkdtempSync(join(tmpdir(), 'cap-queue-'));
  const sh = (...cmd: string[]): string => execFileSync('ip', ['-n', ns, ...cmd], { encoding: 'utf8' });
  execFileSync('ip', ['netns', 'add', ns]);
  let sensor: ReturnType<typeof spawn> | null = null;
  try {
    sh('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
    sh('link', 'set', a, 'up');
    sh('link', 'set', b, 'up');
    const mac = /link\/ether (\S+)/.exec(sh('-o', 'link', 'show', a))![1];
    const conf = join(dir, 'udp.cfg');
    // 60-byte frame: Ethernet 14 + IPv4 20 + UDP 8 + 18 bytes of payload.
    writeFileSync(conf, `{ eth(da=${mac}, type=0x0800), ipv4(saddr=10.202.0.2, daddr=10.202.0.1, proto=17, ttl=64), udp(sp=4000, dp=5555), fill(0x41, 18) }\n`);
    const send = (count: number, rate: number) =>
      run('ip', ['netns', 'exec', ns, 'trafgen', '-q', '-o', b, '-c', conf, '-n', String(count), '-b', `${rate}pps`, '-P', '1']);

    // -v 2 with 1 s frames: a stats line every second, to watch the counters during the run.
    const args = ['-network', a, '--capture-engine', 'cap', '--snaplen', '128', '-f', 'udp port 5555', '-v', '2', '-timeFrame', '1s', '--local-net', '10.0.0.0/8'];
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...SENSOR, ...args], {
      cwd: REPO,
      env: { ...process.env, TZ: 'UTC', PENG_TS_CAP_QUEUE_BYTES: String(QUEUE_BYTES) },
    });
    sensor = child;
    let stdout = '';
    let stderr = '';
    let ended = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (c, s) => {
        ended = true;
        resolve([c, s]);
      }),
    );
    await until(() => stderr.includes(`watching live:${a}`) || ended, 'the capture to open');
    assert.ok(!ended, `the sensor ended at start: ${stderr}`);
    const pid = child.pid!; // `ip netns exec` execs the command: this is the sensor itself

    // Stop the sensor, send a burst, let it go on; again while no drop was told (one burst is
    // normally enough: the capture process has to handle ~3,500 of its 30,000 frames in 2 s).
    const warned = () => /fell behind the cap capture process by its whole queue \(64 KiB\)/.test(stderr);
    const deadline = Date.now() + 3 * WAIT_MS;
    let bursts = 0;
    while (!warned()) {
      assert.ok(Date.now() < deadline && !ended, `no drop after ${bursts} bursts: ${stderr}`);
      bursts++;
      process.kill(pid, 'SIGSTOP');
      try {
        await send(BURST.count, BURST.rate);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      // The drop count is in the IPC channel by now if there was a drop; two stats lines later the sensor has read it.
      const lines = statsValues(stdout, 'capture.delivered').length;
      await until(() => warned() || ended || statsValues(stdout, 'capture.delivered').length >= lines + 2, 'the sensor to go on after the burst');
    }

    // It goes on: once it has caught up (two stats lines with the same count), new packets are delivered.
    await until(() => {
      const d = statsValues(stdout, 'capture.delivered');
      return ended || (d.length >= 2 && d[d.length - 1] === d[d.length - 2]);
    }, 'the sensor to catch up');
    assert.ok(!ended, `the sensor ended after the drops: ${stderr}`);
    const caughtUp = statsValues(stdout, 'capture.delivered').pop()!;
    const liveDropped = statsValues(stdout, 'capture.queue_dropped');
    assert.ok(liveDropped.length > 0 && liveDropped[liveDropped.length - 1] > 0, 'capture.queue_dropped is in the stats lines during the run');
    await send(300, 1000);
    await until(() => ended || statsValues(stdout, 'capture.delivered').pop()! > caughtUp, 'packets delivered after the drops');
    assert.ok(!ended, `the sensor ended: ${stderr}`);

    child.kill('SIGINT');
    const [code, signal] = await closed;
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
    assert.equal(stderr.match(/fell behind the cap capture process/g)?.length, 1, 'one warning line while dropping');
    const total = /^peng-ts: capture on \S+: (\d+) packets dropped by the cap capture process because the sensor fell behind$/m.exec(stderr);
    assert.ok(total, `the total is told at the end: ${stderr}`);
    const n = Number(total[1]);
    assert.ok(n > 0);
    assert.deepEqual(statsValues(stderr, 'capture.queue_dropped'), [n], 'the final stats line counts the same drops');
    assert.ok(liveDropped.every((v) => v <= n));
    assert.ok(statsValues(stderr, 'capture.delivered')[0] > caughtUp, 'the final stats line counts the packets after the drops');
    assert.doesNotMatch(stderr, /internal error|Assertion|\n\s+at /);
    t.diagnostic(`bursts ${bursts}; dropped ${n}; delivered ${caughtUp} when caught up, ${statsValues(stderr, 'capture.delivered')[0]} at the end`);
  } finally {
    if (sensor && sensor.exitCode === null && sensor.signalCode === null) {
      sensor.kill('SIGCONT');
      sensor.kill('SIGKILL');
    }
    try {
      removeNamespaceSync(ns); // takes the veths with it
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
