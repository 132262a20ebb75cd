/**
 * Issue 9, live: kernel drops at the highest rate this machine sends between
 * two network namespaces. peng-ts (`node dist/src/main.js -network VETH`,
 * native libpcap engine) and `tcpdump -w /dev/null` capture the same veth in
 * the same run, both with a 32 MiB kernel buffer; the realistic and the
 * adversarial mix of bench/make-capture.ts (a slice of each, sent round and
 * round) are sent by trafgen (netsniff-ng's mmap TX ring, its config written
 * here from the slice's frames) and by
 * `tcpreplay --topspeed`. Per run: packets sent, send rate, frames the veth
 * received, and for each capture what the kernel gave it (pcap_stats ps_recv)
 * and dropped for lack of buffer (ps_drop), and what the program read.
 *
 * Root only, and under the lab lock, short (about a minute):
 *   flock /tmp/peng-lab.lock node --import tsx bench/live-drops.ts
 * Traffic stays inside the two namespaces made here (pld<pid>-s, pld<pid>-r),
 * removed in `finally` and on SIGINT/SIGTERM. The frames are replayed at layer
 * 2 (zero MAC addresses, so the receiving stack drops them after the capture
 * taps); nothing is routed. Figures, never assertions.
 * BENCH_LIVE_PACKETS: packets per run (default 1,000,000); tcpreplay stops
 * after BENCH_LIVE_SECONDS (default 8), so the lab lock is held about a
 * minute and a half;
 * BENCH_LIVE_SLICE: distinct packets of each mix, sent over and over (default 20,000).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCapture, type CaptureMix } from './make-capture.js';

const repo = join(import.meta.dirname, '..');
const TOTAL = Number(process.env.BENCH_LIVE_PACKETS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 8);
const SLICE = Number(process.env.BENCH_LIVE_SLICE ?? 20_000);
const BUFFER_MIB = 32;
const tag = `pld${process.pid}`;
const NS_S = `${tag}-s`;
const NS_R = `${tag}-r`;
const IF_S = `${tag}s`;
const IF_R = `${tag}r`;
const children = new Set<ChildProcess>();

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quiet(cmd: string, args: string[]): void {
  try {
    sh(cmd, args);
  } catch {
    // teardown: best effort
  }
}

function teardown(): void {
  for (const c of children) if (c.exitCode === null && c.pid) quiet('kill', ['-KILL', String(c.pid)]);
  for (const ns of [NS_S, NS_R]) {
    let pids: string[] = [];
    try {
      pids = sh('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
    } catch {
      continue;
    }
    for (const pid of pids) quiet('kill', ['-KILL', pid]);
    quiet('ip', ['netns', 'del', ns]);
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    teardown();
    process.exit(130);
  });
}

function setup(): void {
  sh('ip', ['netns', 'add', NS_S]);
  sh('ip', ['netns', 'add', NS_R]);
  sh('ip', ['link', 'add', IF_S, 'netns', NS_S, 'type', 'veth', 'peer', 'name', IF_R, 'netns', NS_R]);
  for (const [ns, dev] of [[NS_S, IF_S], [NS_R, IF_R]]) {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `ok` every 50 ms until it holds, or fail after `ms` with `what`. */
async function waitFor(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function ifindex(ns: string, dev: string): number {
  return Number(sh('ip', ['netns', 'exec', ns, 'cat', `/sys/class/net/${dev}/ifindex`]).trim());
}

/** Packet sockets in the receiving namespace bound to the veth and running (/proc/net/packet). */
function boundSockets(idx: number): number {
  const lines = sh('ip', ['netns', 'exec', NS_R, 'cat', '/proc/net/packet']).trim().split('\n').slice(1);
  return lines.filter((l) => {
    const f = l.trim().split(/\s+/);
    return Number(f[4]) === idx && f[5] === '1';
  }).length;
}

/** Frames the receiving veth got, read through a process inside its namespace (/proc/PID/net/dev: no fork per poll). */
function rxPackets(pid: number): number {
  const line = readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').find((l) => l.trim().startsWith(`${IF_R}:`));
  return line ? Number(line.split(':')[1].trim().split(/\s+/)[1]) : NaN;
}

/** CPU ticks (user + system) of a process, or -1 when gone. */
function cpuTicks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return -1;
  }
}

interface Captured {
  proc: ChildProcess;
  out: string;
  done: Promise<void>;
}

/** `ip netns exec` execs the command in place: the child's pid is the capture's own. */
function start(cmd: string, args: string[]): Captured {
  const proc = spawn('ip', ['netns', 'exec', NS_R, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  const c: Captured = { proc, out: '', done: Promise.resolve() };
  proc.stdout!.on('data', (d: Buffer) => (c.out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (c.out += d.toString()));
  c.done = new Promise((r) => proc.once('exit', () => r()));
  return c;
}

async function stop(c: Captured): Promise<void> {
  c.proc.kill('SIGINT');
  const t = setTimeout(() => c.proc.kill('SIGKILL'), 15_000);
  await c.done;
  clearTimeout(t);
  children.delete(c.proc);
}

interface Side {
  received: number;
  dropped: number;
  read: number;
}

function pengStats(out: string): Side | null {
  const line = out.split('\n').filter((l) => l.startsWith('[stats ')).pop();
  if (!line) return null;
  const n = (k: string) => Number(new RegExp(`${k.replace('.', '\\.')}=(\\d+)`).exec(line)?.[1] ?? NaN);
  return { received: n('capture.kernel_received'), dropped: n('capture.kernel_dropped'), read: n('packets.seen') };
}

function tcpdumpStats(out: string): Side | null {
  const n = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const read = n(/(\d+) packets? captured/);
  if (Number.isNaN(read)) return null;
  return { received: n(/(\d+) packets? received by filter/), dropped: n(/(\d+) packets? dropped by kernel/), read };
}

interface Row {
  mix: string;
  sender: string;
  sent: number;
  seconds: number;
  rx: number;
  peng: Side | null;
  tcpdump: Side | null;
}

/**
 * Wait until both captures stop using CPU for 1.5 s, at most 10 s: they have
 * read what the kernel holds, including the last TPACKET_V3 block, which
 * libpcap sees only when the block's timeout (1 s for tcpdump) retires it.
 */
async function drained(pids: number[]): Promise<void> {
  const end = Date.now() + 10_000;
  let last = pids.map(cpuTicks);
  let still = 0;
  while (Date.now() < end && still < 15) {
    await sleep(100);
    const now = pids.map(cpuTicks);
    still = now.every((t, i) => t === last[i]) ? still + 1 : 0;
    last = now;
  }
}

const log = (line: string) => process.stderr.write(`live-drops ${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function one(mix: string, sender: string, send: string[]): Promise<Row> {
  log(`${mix}, ${sender}: starting the captures`);
  const idx = ifindex(NS_R, IF_R);
  const peng = start(process.execPath, [join(repo, 'dist/src/main.js'), '-network', IF_R, '--capture-engine', 'native', '--buffer-size', String(BUFFER_MIB), '--local-net', '10.1.0.0/16', '-verbose', '1']);
  const td = start('tcpdump', ['-n', '-i', IF_R, '-B', String(BUFFER_MIB * 1024), '-w', '/dev/null']);
  await waitFor(() => boundSockets(idx) >= 2 || peng.proc.exitCode !== null || td.proc.exitCode !== null, 30_000, 'peng-ts and tcpdump to open the veth');
  if (peng.proc.exitCode !== null || td.proc.exitCode !== null) throw new Error(`a capture ended at start:\n${peng.out}\n${td.out}`);
  log(`${mix}, ${sender}: sending`);
  const probe = td.proc.pid!;
  const rx0 = rxPackets(probe);
  // The send rate is taken from the veth's counter while frames arrive (first to last
  // change, polled every 20 ms), so the sender's start-up (trafgen parsing its config) is not in it.
  const tx = spawn('ip', ['netns', 'exec', NS_S, ...send], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(tx);
  let out = '';
  tx.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  tx.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => tx.once('exit', (code) => r(code)));
  // A backstop: tcpreplay stops itself after SECONDS; trafgen has no duration option.
  const cap = setTimeout(() => tx.kill('SIGINT'), (SECONDS + 20) * 1000);
  let first = 0n;
  let lastChange = 0n;
  let rx = rx0;
  let running = true;
  void exited.then(() => (running = false));
  while (running) {
    await sleep(20);
    const now = rxPackets(probe);
    if (now !== rx) {
      if (first === 0n) first = process.hrtime.bigint() - 20_000_000n;
      lastChange = process.hrtime.bigint();
      rx = now;
    }
  }
  const code = await exited;
  clearTimeout(cap);
  children.delete(tx);
  if (code !== 0 && code !== null && !/packets outgoing/.test(out)) throw new Error(`${send[0]} failed (${code}): ${out}`);
  const final = rxPackets(probe);
  if (final !== rx) lastChange = process.hrtime.bigint();
  const seconds = first === 0n ? NaN : Number(lastChange - first) / 1e9;
  rx = final - rx0;
  await drained([peng.proc.pid!, td.proc.pid!]);
  await Promise.all([stop(peng), stop(td)]);
  const sent = sender === 'trafgen' ? Number(/(\d+) packets outgoing/.exec(out)?.[1] ?? rx) : Number(/Actual: (\d+) packets/.exec(out)?.[1] ?? rx);
  return { mix, sender, sent, seconds, rx, peng: pengStats(peng.out), tcpdump: tcpdumpStats(td.out) };
}

/**
 * The pcap's frames as a trafgen config, one `{ bytes }` block per frame.
 * `netsniff-ng --in X.pcap --out X.cfg` does the same but replays the file
 * at its own pace while writing (9.5 minutes for 100,000 packets here).
 */
function trafgenConfig(pcap: string, cfg: string): void {
  const b = readFileSync(pcap);
  const parts: string[] = [];
  for (let p = 24; p + 16 <= b.length; ) {
    const caplen = b.readUInt32LE(p + 8);
    const frame = b.subarray(p + 16, p + 16 + caplen);
    let hex = '';
    for (let i = 0; i < frame.length; i++) hex += `0x${frame[i].toString(16).padStart(2, '0')},`;
    parts.push(`{${hex}}\n`);
    p += 16 + caplen;
  }
  writeFileSync(cfg, parts.join(''));
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const share = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${((100 * a) / b).toFixed(1)}%` : '-');

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('live-drops: skipped (needs root for network namespaces and capture)');
    return;
  }
  for (const tool of ['trafgen', 'tcpreplay', 'tcpdump']) {
    try {
      sh('which', [tool]);
    } catch {
      console.log(`live-drops: skipped (${tool} not installed: apt-get install netsniff-ng tcpreplay tcpdump)`);
      return;
    }
  }
  if (!existsSync(join(repo, 'dist/src/main.js'))) throw new Error('run npm run build first (dist/src/main.js missing)');
  const dir = mkdtempSync(join(tmpdir(), 'peng-live-'));
  const rows: Row[] = [];
  try {
    const files: [string, string, string][] = [];
    for (const mix of ['realistic', 'adversarial'] as CaptureMix[]) {
      const pcap = join(dir, `${mix}.pcap`);
      await makeCapture(pcap, SLICE, mix);
      const cfg = join(dir, `${mix}.cfg`);
      trafgenConfig(pcap, cfg);
      files.push([mix, pcap, cfg]);
    }
    log('namespaces up');
    setup();
    for (const [mix, pcap, cfg] of files) {
      // trafgen: one sender process (-P 1) so a core is left for the captures; -A -Q: leave the host's socket memory and IRQ affinity alone.
      rows.push(await one(mix, 'trafgen', ['trafgen', '-o', IF_S, '-i', cfg, '-n', String(TOTAL), '-P', '1', '--no-sock-mem', '--notouch-irq']));
      const loops = Math.max(1, Math.round(TOTAL / SLICE));
      rows.push(await one(mix, 'tcpreplay --topspeed', ['tcpreplay', '-i', IF_S, '--topspeed', `--loop=${loops}`, `--limit=${TOTAL}`, `--duration=${SECONDS}`, pcap]));
    }
  } finally {
    teardown();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n## Live: kernel drops (${fmt(TOTAL)} packets per run, ${BUFFER_MIB} MiB kernel buffer each, same veth, same run)`);
  console.log('| traffic | sender | sent | send rate | veth received | peng-ts: kernel received / dropped (share) / read | tcpdump: kernel received / dropped (share) / written |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const side = (s: Side | null) => (s ? `${fmt(s.received)} / ${fmt(s.dropped)} (${share(s.dropped, s.received)}) / ${fmt(s.read)}` : 'no stats');
    console.log(`| ${r.mix} | ${r.sender} | ${fmt(r.sent)} | ${fmt(r.sent / r.seconds)} pkt/s | ${fmt(r.rx)} | ${side(r.peng)} | ${side(r.tcpdump)} |`);
  }
}

main().catch((e) => {
  teardown();
  console.error(e);
  process.exitCode = 1;
});
