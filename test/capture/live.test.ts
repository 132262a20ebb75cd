/**
 * Live capture tests. Traffic only flows inside namespaces created here (see
 * test/helpers/netns.ts). The capturing side runs as a child process inside the
 * victim namespace: this same file, started with PENG_LIVE_CHILD=<mode>.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { LiveSource, type LiveOptions } from '../../src/capture/live.js';
import { listInterfaces, localAddresses } from '../../src/capture/interfaces.js';
import { dropPrivileges } from '../../src/capture/privileges.js';
import { isSensorError } from '../../src/errors.js';
import { createNetnsPair, requireRoot, type NetnsPair } from '../helpers/netns.js';
import { capMissing, liveCaptureMissing, nativeMissing } from '../helpers/capture-env.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PORT = 9; // closed on the victim: SYN answered by RST

interface CaptureReport {
  /** open() failed */
  error?: { code: string; message: string };
  /** run() rejected */
  runError?: { code: string; message: string };
  engine: string | null;
  precision: string | null;
  uid: number;
  delivered: number;
  ts: Array<[number, number]>;
  echoTs: number[];
  syn4: number;
  syn6: number;
  stats: ReturnType<LiveSource['stats']>;
  stopMs: number;
  wallStart: number;
  wallEnd: number;
  local: string[];
  names: string[];
  /** Real, effective, saved and fs uid of each child process (cap's capture process). */
  childUids: number[][];
}

// ---------------------------------------------------------------- child side

async function captureChild(): Promise<void> {
  const cfg = JSON.parse(process.env.PENG_LIVE_CFG ?? '{}') as { options: LiveOptions };
  const wallStart = Date.now() / 1000;
  const src = new LiveSource(cfg.options);
  try {
    src.open();
    await src.ready(); // cap opens in its capture process
    src.dropPrivileges(); // as the CLI does, once its outputs are open
  } catch (e) {
    const err = e as { code: string; message: string };
    process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message } }) + '\n');
    return;
  }
  const r: CaptureReport = {
    engine: src.engine,
    precision: src.precision(),
    uid: process.getuid!(),
    delivered: 0,
    ts: [],
    echoTs: [],
    syn4: 0,
    syn6: 0,
    stats: src.stats(),
    stopMs: -1,
    wallStart,
    wallEnd: 0,
    local: localAddresses(cfg.options.device),
    names: listInterfaces().map((d) => d.name),
    childUids: childUids(),
  };
  const done = src.run((v) => {
    r.ts.push([v.tsSec, v.tsNsec]);
    const b = v.bytes;
    const o = v.offset;
    if (v.linkType !== 1 || v.caplen < 54) return;
    const etype = (b[o + 12] << 8) | b[o + 13];
    if (etype === 0x0800) {
      const l4 = o + 14 + (b[o + 14] & 15) * 4;
      const proto = b[o + 23];
      if (proto === 1 && b[l4] === 8) r.echoTs.push(v.tsSec + v.tsNsec / 1e9);
      if (proto === 6 && ((b[l4 + 2] << 8) | b[l4 + 3]) === PORT && (b[l4 + 13] & 0x12) === 0x02) r.syn4++;
    } else if (etype === 0x86dd && b[o + 20] === 6) {
      const l4 = o + 54;
      if (((b[l4 + 2] << 8) | b[l4 + 3]) === PORT && (b[l4 + 13] & 0x12) === 0x02) r.syn6++;
    }
  });
  process.stdout.write('READY\n');
  // The parent writes a line when its traffic is over and the link has been quiet for a while.
  const failed = done.then(
    () => false,
    (e: { code: string; message: string }) => {
      r.runError = { code: e.code, message: e.message };
      return true;
    },
  );
  const stopLine = new Promise<boolean>((resolve) => process.stdin.once('data', () => resolve(false)));
  if (!(await Promise.race([failed, stopLine]))) {
    const t0 = performance.now();
    src.stop();
    await failed;
    r.stopMs = performance.now() - t0;
  }
  r.wallEnd = Date.now() / 1000;
  r.delivered = src.stats().delivered;
  r.stats = src.stats();
  process.stdout.write(JSON.stringify(r) + '\n');
  process.stdin.destroy();
}

/** The uids of this process's children, from /proc (the cap engine's capture process). */
function childUids(): number[][] {
  let pids: string[];
  try {
    pids = readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return []; // a kernel without CONFIG_PROC_CHILDREN: the cap test then fails on it, visibly
  }
  return pids.map((pid) => /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1].trim().split(/\s+/).map(Number));
}

function privChild(mode: string): void {
  const out: Record<string, unknown> = {};
  try {
    if (mode === 'perm') {
      dropPrivileges('nobody');
      new LiveSource({ device: 'lo', engine: 'native' }).open();
    } else {
      out.dropped = dropPrivileges(mode === 'unknown' ? 'no-such-user-pt' : 'nobody');
    }
  } catch (e) {
    out.code = isSensorError(e) ? e.code : 'not a SensorError';
    out.message = (e as Error).message;
  }
  Object.assign(out, { uid: process.getuid!(), euid: process.geteuid!(), gid: process.getgid!(), groups: process.getgroups!() });
  process.stdout.write(JSON.stringify(out) + '\n');
}

// ---------------------------------------------------------------- parent side

function childArgs(): string[] {
  return ['--import', 'tsx', SELF];
}

/** Ping and a few TCP connects to the closed PORT, over IPv4 and IPv6, from the scanner. */
async function traffic(pair: NetnsPair): Promise<void> {
  await pair.exec(pair.scanner, 'ping', ['-c', '5', '-i', '0.2', '-W', '1', pair.victimIp4]);
  const connects = `
    const net = require('node:net');
    const hit = (host) => new Promise((r) => { const s = net.connect(${PORT}, host); s.on('error', r); s.on('connect', () => { s.destroy(); r(); }); });
    (async () => { for (let i = 0; i < 3; i++) await hit('${pair.victimIp4}'); await hit('${pair.victimIp6}'); })();`;
  await pair.exec(pair.scanner, process.execPath, ['-e', connects]);
}

/**
 * Start the capture child in the victim namespace, run `action` (traffic by
 * default), wait `quietMs`, stop the child unless it ended by itself, return its report.
 */
async function captureInNamespace(
  pair: NetnsPair,
  options: LiveOptions,
  quietMs = 1500,
  action: (pair: NetnsPair) => Promise<void> = traffic,
): Promise<CaptureReport> {
  const child = pair.spawn(pair.victim, process.execPath, childArgs(), {
    cwd: ROOT,
    env: { ...process.env, PENG_LIVE_CHILD: 'capture', PENG_LIVE_CFG: JSON.stringify({ options }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.startsWith('READY\n') || out.startsWith('{')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`capture child exited early (${code}): ${out}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await ready;
  if (out.startsWith('{')) {
    await exited;
    return JSON.parse(out) as CaptureReport;
  }
  let ended = false;
  void exited.then(() => (ended = true));
  await action(pair);
  await new Promise((r) => setTimeout(r, quietMs));
  if (!ended) child.stdin!.write('stop\n');
  await exited;
  const json = out.split('\n').find((l) => l.startsWith('{'));
  assert.ok(json, `no report from the capture child: ${out}`);
  return JSON.parse(json) as CaptureReport;
}

function runPrivChild(mode: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgs(), {
      cwd: ROOT,
      env: { ...process.env, PENG_LIVE_CHILD: mode },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as Record<string, unknown>);
      } catch {
        reject(new Error(`privilege child printed: ${out}`));
      }
    });
  });
}

async function expectCode(p: Promise<unknown>, code: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isSensorError(e), `expected a SensorError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e.message;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

function registerTests(): void {
  test('native engine: packet timestamps, SYNs, kernel counters, quick stop, drop to nobody', { skip: nativeMissing() }, async (t) => {
    if (!requireRoot(t)) return;
    const pair = createNetnsPair(t, { victimExtra: ['10.200.0.77/24'] });
    const r = await captureInNamespace(pair, { device: pair.victimIf, engine: 'native', user: 'nobody' });
    assert.equal(r.error, undefined, r.error?.message);
    t.diagnostic(
      `native: ${r.delivered} packets, kernel ${JSON.stringify(r.stats)}, stop ${r.stopMs.toFixed(1)} ms, first ts ${r.ts[0]?.join('.')}`,
    );
    assert.equal(r.engine, 'native');
    assert.equal(r.uid, 65534, 'privileges dropped after open');
    assert.ok(r.delivered > 0, 'packets delivered');
    assert.equal(r.ts.length, r.delivered);

    const times = r.ts.map(([s, ns]) => s + ns / 1e9);
    for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1], `timestamps go back at ${i}`);
    assert.ok(times[0] >= r.wallStart - 2 && times[times.length - 1] <= r.wallEnd + 2, 'timestamps near the wall clock');
    assert.equal(r.precision, 'nano');
    assert.ok(r.ts.some(([, ns]) => ns % 1000 !== 0), 'nanosecond digits present');
    assert.ok(new Set(r.ts.map(([, ns]) => ns)).size > r.ts.length / 2, 'nanoseconds vary');
    // Echo requests 0.2 s apart: packet times, not batch delivery times.
    assert.equal(r.echoTs.length, 5);
    for (let i = 1; i < 5; i++) {
      const gap = r.echoTs[i] - r.echoTs[i - 1];
      // Batch delivery would stamp them alike (gap ~0); ping may be late on a loaded machine, never early.
      assert.ok(gap > 0.15, `ping gap ${gap}`);
    }

    assert.ok(r.syn4 >= 3, `IPv4 SYNs to port ${PORT}: ${r.syn4}`);
    assert.ok(r.syn6 >= 1, `IPv6 SYNs to port ${PORT}: ${r.syn6}`);
    assert.equal(typeof r.stats.kernelReceived, 'number');
    assert.equal(typeof r.stats.kernelDropped, 'number');
    assert.equal(typeof r.stats.interfaceDropped, 'number');
    assert.ok(r.stats.kernelReceived! >= r.delivered, 'kernel saw at least what we got');
    assert.equal(r.stats.kernelDropped, 0);
    // Without the wake pipe a stop on a quiet link waits forever; 5 s only keeps a loaded machine from failing it.
    assert.ok(r.stopMs < 5000, `stop() on a quiet link took ${r.stopMs} ms`);

    assert.ok(r.names.includes(pair.victimIf), 'listInterfaces sees the veth');
    for (const a of [pair.victimIp4, pair.victimIp6!, '10.200.0.77']) assert.ok(r.local.includes(a), `local address ${a}`);
  });

  test('cap engine: packets with wall-clock times, no kernel counters, capture process dropped to nobody', { skip: capMissing() }, async (t) => {
    if (!requireRoot(t)) return;
    const pair = createNetnsPair(t);
    const r = await captureInNamespace(pair, { device: pair.victimIf, engine: 'cap', filter: 'tcp or icmp', user: 'nobody' }, 300);
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.engine, 'cap');
    assert.equal(r.uid, 65534);
    // cap runs in its own process (src/capture/cap-child.ts): it too holds no root once the capture is open.
    assert.deepEqual(r.childUids, [[65534, 65534, 65534, 65534]]);
    assert.equal(r.precision, 'wallclock');
    assert.ok(r.delivered > 0);
    assert.ok(r.syn4 >= 3 && r.echoTs.length === 5);
    assert.deepEqual(
      [r.stats.kernelReceived, r.stats.kernelDropped, r.stats.interfaceDropped],
      [null, null, null],
    );
    assert.ok(r.stopMs < 5000, `stop took ${r.stopMs} ms`);
  });

  test('a missing interface rejects with CAP_NO_DEVICE', { skip: nativeMissing() || capMissing() }, async (t) => {
    if (!requireRoot(t)) return;
    await expectCode(new LiveSource({ device: 'ptnosuch0' }).run(() => {}), 'CAP_NO_DEVICE');
    await expectCode(new LiveSource({ device: 'ptnosuch0', engine: 'cap' }).run(() => {}), 'CAP_NO_DEVICE');
  });

  test('a bad BPF filter rejects with CAP_FILTER', { skip: nativeMissing() || capMissing() }, async (t) => {
    if (!requireRoot(t)) return;
    const msg = await expectCode(new LiveSource({ device: 'lo', filter: 'tcp and and' }).run(() => {}), 'CAP_FILTER');
    assert.match(msg, /tcp and and/);
    await expectCode(new LiveSource({ device: 'lo', filter: 'port 99999999', engine: 'cap' }).run(() => {}), 'CAP_FILTER');
  });

  test('stop() before any traffic resolves run() at once', { skip: liveCaptureMissing() }, async (t) => {
    if (!requireRoot(t)) return;
    const pair = createNetnsPair(t, { scanner6: null, victim6: null });
    const r = await captureInNamespace(pair, { device: pair.victimIf, filter: 'udp port 1' }, 2500);
    assert.equal(r.delivered, 0);
    t.diagnostic(`quiet link: stop took ${r.stopMs.toFixed(1)} ms`);
    assert.ok(r.stopMs < 5000, `stop took ${r.stopMs} ms`);
  });

  test('an interface deleted during capture rejects run() with CAP_OPEN_FAILED', { skip: liveCaptureMissing() }, async (t) => {
    if (!requireRoot(t)) return;
    const pair = createNetnsPair(t);
    const r = await captureInNamespace(pair, { device: pair.victimIf }, 1500, async (p) => {
      await traffic(p);
      await p.exec(p.scanner, 'ip', ['link', 'del', p.scannerIf]); // takes the victim's end too
    });
    assert.equal(r.runError?.code, 'CAP_OPEN_FAILED', JSON.stringify(r.runError));
    assert.match(r.runError!.message, new RegExp(`capture on ${pair.victimIf} failed`));
    assert.ok(r.delivered > 0, 'packets before the loss were delivered');
  });

  test('dropPrivileges: nobody, unknown user, and opening without privileges', async (t) => {
    if (!requireRoot(t)) return;
    const nobody = await runPrivChild('nobody');
    assert.equal(nobody.dropped, true);
    assert.equal(nobody.uid, 65534);
    assert.equal(nobody.euid, 65534);
    assert.ok(!(nobody.groups as number[]).includes(0), 'root group gone');

    const unknown = await runPrivChild('unknown');
    assert.equal(unknown.code, 'CAP_PRIVDROP');
    assert.match(String(unknown.message), /no user named "no-such-user-pt"/);
    assert.equal(unknown.uid, 0, 'nothing changed');

    if (nativeMissing()) {
      t.diagnostic(`opening without privileges not tried: ${nativeMissing()}`);
      return;
    }
    const perm = await runPrivChild('perm');
    assert.equal(perm.code, 'CAP_PERMISSION');
    assert.match(String(perm.message), /setcap cap_net_raw,cap_net_admin=eip/);
  });
}

const mode = process.env.PENG_LIVE_CHILD;
if (mode === 'capture') await captureChild();
else if (mode) privChild(mode);
else registerTests();
