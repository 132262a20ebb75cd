/**
 * Cost per packet of the live-capture engines: `cap` as it ran before
 * (in the sensor's process, one JS call per packet, kept here as `cap-inproc`),
 * `cap` in its capture process (src/capture/cap-child.ts), and the native addon.
 *
 * Root only, under the lab lock:
 *   flock /tmp/peng-lab.lock node --import tsx bench/capture/cap-engine.bench.ts [count] [rate] [modes]
 * Two namespaces joined by a veth pair (made here, removed at the end); trafgen
 * in one sends `count` UDP frames (60 bytes) at `rate` packets/s to the other,
 * where the engine captures with filter `udp port 5555` and a trivial handler.
 * Reported: delivered, and the CPU time (user+sys) of the capturing process and
 * of its capture process if any: CPU µs per packet, and packets per CPU second.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PacketView } from '../../src/decode/packet-view.js';
import { LiveSource } from '../../src/capture/live.js';

const SELF = fileURLToPath(import.meta.url);
type Mode = 'cap-inproc' | 'cap' | 'native';

/** CPU ms (user+sys) of a process from /proc (clock ticks are 10 ms here: USER_HZ 100). */
function cpuMsOf(pid: number | string): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function childPids(): number[] {
  try {
    return readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// ------------------------------------------------------------ capture side (in the victim namespace)

async function capture(mode: Mode, dev: string): Promise<void> {
  let delivered = 0;
  let seen = 0; // trivial handler: touch one byte
  const onPacket = (v: PacketView): void => {
    delivered++;
    seen += v.bytes[v.offset + 12];
  };
  let stop: () => Promise<void>;
  if (mode === 'cap-inproc') {
    // The cap engine as live.ts ran it before cap-child.ts: same calls, same per-packet work.
    const cap = createRequire(import.meta.url)('cap') as { Cap: new () => { open(d: string, f: string, b: number, buf: Buffer): string; on(e: string, fn: (n: number) => void): void; close(): void } };
    const c = new cap.Cap();
    const buf = Buffer.alloc(65535);
    c.open(dev, 'udp port 5555', 32 << 20, buf);
    const view = new PacketView();
    c.on('packet', (n: number) => {
      const t = performance.timeOrigin + performance.now();
      const sec = Math.floor(t / 1000);
      view.setRaw(buf, 0, n, n, 1, sec, Math.floor((t - sec * 1000) * 1e6));
      onPacket(view);
    });
    stop = async () => c.close();
  } else {
    const src = new LiveSource({ device: dev, filter: 'udp port 5555', engine: mode });
    src.open();
    await src.ready();
    const done = src.run(onPacket).catch((e: Error) => {
      process.stdout.write(JSON.stringify({ error: e.message }) + '\n');
      process.exit(1);
    });
    stop = async () => {
      src.stop();
      await done;
    };
  }
  const kids = childPids();
  const cpu0 = cpuMsOf('self');
  const kid0 = kids.reduce((a, p) => a + cpuMsOf(p), 0);
  process.stdout.write('READY\n');
  await new Promise((r) => process.stdin.once('data', r)); // the sender is done and the link quiet
  const cpuSelf = cpuMsOf('self') - cpu0;
  const cpuChild = kids.reduce((a, p) => a + cpuMsOf(p), 0) - kid0;
  await stop();
  process.stdout.write(JSON.stringify({ mode, delivered, cpuSelf, cpuChild, seen: seen > 0 }) + '\n');
  process.stdin.destroy();
}

// ------------------------------------------------------------ driver

function sh(...args: string[]): string {
  return execFileSync(args[0], args.slice(1), { encoding: 'utf8' });
}

async function runOne(mode: Mode, ns: { a: string; b: string; ifA: string; ifB: string }, count: number, rate: number, conf: string) {
  const child = spawn('ip', ['netns', 'exec', ns.b, process.execPath, ...process.execArgv, SELF, '--capture', mode, ns.ifB], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdin.on('error', () => undefined); // a capture that died: reported below
  child.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('READY\n')) resolve();
    });
    child.on('close', () => reject(new Error(`capture ${mode} ended early: ${out}`)));
  });
  await ready;
  const t0 = performance.now();
  sh('ip', 'netns', 'exec', ns.a, 'trafgen', '-q', '-o', ns.ifA, '-c', conf, '-n', String(count), '-b', `${rate}pps`, '-P', '1');
  const sendMs = performance.now() - t0;
  // Let the capture drain: wait until its delivered count stops moving is not visible from here,
  // so give it the time the sender took (at least 1 s) before asking for the figures.
  await new Promise((r) => setTimeout(r, Math.max(1000, sendMs)));
  child.stdin.write('done\n');
  await new Promise((r) => child.on('close', r));
  const r = JSON.parse(out.split('\n').filter((l) => l.startsWith('{')).pop() ?? '{"error":"no report"}') as { mode: Mode; delivered: number; cpuSelf: number; cpuChild: number; error?: string };
  if (r.error) throw new Error(`capture ${mode}: ${r.error}`);
  const cpu = r.cpuSelf + r.cpuChild;
  return { ...r, sendMs: Math.round(sendMs), usPerPkt: +((cpu * 1000) / Math.max(1, r.delivered)).toFixed(2), pktPerCpuSec: Math.round(r.delivered / (cpu / 1000)) };
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 300000);
  const rate = Number(process.argv[3] ?? 100000);
  const modes = (process.argv[4] ?? 'cap-inproc,cap,native').split(',') as Mode[];
  const id = `pcb${process.pid % 100000}`;
  const ns = { a: `${id}-a`, b: `${id}-b`, ifA: `${id}a`, ifB: `${id}b` };
  const dir = mkdtempSync(join(tmpdir(), 'cap-bench-'));
  try {
    sh('ip', 'netns', 'add', ns.a);
    sh('ip', 'netns', 'add', ns.b);
    sh('ip', 'link', 'add', ns.ifA, 'netns', ns.a, 'type', 'veth', 'peer', 'name', ns.ifB, 'netns', ns.b);
    sh('ip', '-n', ns.a, 'addr', 'add', '10.201.0.1/24', 'dev', ns.ifA);
    sh('ip', '-n', ns.b, 'addr', 'add', '10.201.0.2/24', 'dev', ns.ifB);
    sh('ip', '-n', ns.a, 'link', 'set', ns.ifA, 'up');
    sh('ip', '-n', ns.b, 'link', 'set', ns.ifB, 'up');
    const mac = sh('ip', '-n', ns.b, '-o', 'link', 'show', ns.ifB).match(/link\/ether (\S+)/)![1];
    const conf = join(dir, 'udp.cfg');
    // 60-byte frame: Ethernet 14 + IPv4 20 + UDP 8 + 18 bytes of payload.
    writeFileSync(conf, `{ eth(da=${mac}, type=0x0800), ipv4(saddr=10.201.0.1, daddr=10.201.0.2, proto=17, ttl=64), udp(sp=4000, dp=5555), fill(0x41, 18) }\n`);
    for (const mode of modes) {
      const r = await runOne(mode, ns, count, rate, conf);
      process.stdout.write(JSON.stringify(r) + '\n');
    }
  } finally {
    for (const n of [ns.a, ns.b]) {
      try {
        execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
      } catch {
        // not created
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--capture') await capture(process.argv[3] as Mode, process.argv[4]);
else await main();
