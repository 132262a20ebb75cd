import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { frameLines, REPO, runCli, SENSOR } from '../helpers/cli.js';
import { liveCaptureMissing } from '../helpers/capture-env.js';
import { createNetnsPair, requireRoot } from '../helpers/netns.js';
import { startRecorder } from '../helpers/recorder.js';
import { waitFor } from '../helpers/wait.js';

const haveNmap = (() => {
  try {
    return readFileSync('/usr/bin/nmap').length > 0;
  } catch {
    return false;
  }
})();

test('live: nmap -sS from another namespace raises SERVER entropy; the replay of tcpdump\'s capture gives the same frames', { skip: (!haveNmap && 'needs nmap') || liveCaptureMissing() }, async (t) => {
  if (!requireRoot(t)) return;
  const lab = createNetnsPair(t, { scanner4: '10.201.0.1/24', victim4: '10.201.0.2/24', scanner6: null, victim6: null });
  const dir = mkdtempSync(join(tmpdir(), 'peng-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pcap = join(dir, 'victim.pcap');

  const recording = await startRecorder((cmd, args) => lab.spawn(lab.victim, cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] }), lab.victimIf, pcap);
  t.after(() => recording.stop());
  // No --local-net: live, the interface's own addresses are local (Peng's rule).
  const sensor = lab.spawn(lab.victim, process.execPath, [...SENSOR, '-network', lab.victimIf, '-timeFrame', '2s'], {
    cwd: REPO,
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  sensor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  sensor.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const sensorExit = new Promise<number | null>((resolve) => sensor.on('close', (code) => resolve(code)));
  await waitFor('the sensor to start', () => /watching/.test(err) || sensor.exitCode !== null);
  assert.equal(sensor.exitCode, null, err);

  // A quiet baseline of a few frames: pings only, no SYN.
  await lab.exec(lab.scanner, 'ping', ['-c', '3', '-i', '0.5', lab.victimIp4]);
  await waitFor('two quiet frames', () => frameLines(out).filter((l) => l.dir === 'SERVER').length >= 2);
  const scan = await lab.exec(lab.scanner, 'nmap', ['-sS', '-p', '1-1000', '-T4', '-n', '-Pn', '--max-retries', '1', lab.victimIp4], { timeoutMs: 60000 });
  assert.match(scan.stdout, /Nmap done: 1 IP address/);
  // The scan's frames are complete once a quiet SERVER frame follows them.
  await waitFor('a quiet SERVER frame after the scan', () => {
    const server = frameLines(out).filter((l) => l.dir === 'SERVER');
    const lastBusy = server.map((l) => l.value > 0).lastIndexOf(true);
    return lastBusy >= 0 && lastBusy < server.length - 1;
  });
  sensor.kill('SIGINT');
  const code = await sensorExit;
  // A ping after every SYN: once tcpdump has written it, it has written them all.
  const marker = Date.now() / 1000;
  await lab.exec(lab.scanner, 'ping', ['-c', '1', '-W', '2', lab.victimIp4]);
  await recording.stop({ through: marker });
  assert.equal(code, 0, err);

  const live = frameLines(out);
  const liveServer = live.filter((l) => l.dir === 'SERVER');
  assert.equal(liveServer[0].value, 0, 'quiet baseline');
  const peak = Math.max(...liveServer.map((l) => l.value));
  assert.ok(peak > 0.1, `SERVER entropy rose to ${peak}`);
  assert.ok(live.filter((l) => l.dir === 'CLIENT').every((l) => l.value === 0), 'nothing counted as CLIENT');
  assert.match(err, /capture\.kernel_dropped=|capture\.kernel_received=\d+/, 'kernel counters in the stats');

  const replay = runCli(['-r', pcap, '--local-net', `${lab.victimIp4}/32`, '-timeFrame', '2s']);
  assert.equal(replay.code, 0, replay.stderr);
  const busy = (lines: typeof live) => lines.filter((l) => l.dir === 'SERVER' && l.value > 0);
  const liveBusy = busy(live);
  const replayBusy = busy(frameLines(replay.stdout));
  assert.ok(replayBusy.length > 0);
  // Same packets, same kernel timestamps: the same frames with the same values.
  // Only the end label of a partial last frame differs (stop time vs last packet).
  assert.deepEqual(replayBusy.map((l) => l.value), liveBusy.map((l) => l.value));
  assert.deepEqual(replayBusy.slice(0, -1).map((l) => l.time), liveBusy.slice(0, -1).map((l) => l.time));
});
