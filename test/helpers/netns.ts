/**
 * Two network namespaces joined by a veth pair, for tests that need real
 * traffic without touching the host's network:
 *
 *   <prefix>-a (scanner)  <prefix>a ==veth== <prefix>b  <prefix>-b (victim)
 *
 * Names are unique per process and pair (pt<pid>-<n>). destroy() kills every
 * process inside and deletes both namespaces; it runs from the test's `after`
 * hook, and from process 'exit' / SIGINT / SIGTERM as a backstop. A process
 * that dies harder (SIGKILL, a crash) leaves its namespaces behind: the next
 * createNetnsPair() in any process removes those whose owner pid is gone.
 */
import { execFileSync, spawn as spawnChild, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { TestContext } from 'node:test';

export interface NetnsOptions {
  /** CIDR of the scanner side (default 10.200.0.1/24). */
  scanner4?: string;
  /** CIDR of the victim side (default 10.200.0.2/24). */
  victim4?: string;
  /** IPv6 CIDRs (added with nodad, so usable at once); null for none. Default fd00:200::1/64 and ::2/64. */
  scanner6?: string | null;
  victim6?: string | null;
  /** Extra CIDRs on the victim's veth (IPv4 or IPv6). */
  victimExtra?: string[];
}

export interface ExecOptions {
  /** Kill the command after this long (default 30 s). */
  timeoutMs?: number;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFail?: boolean;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface NetnsPair {
  readonly prefix: string;
  /** Namespace names. */
  readonly scanner: string;
  readonly victim: string;
  /** veth names, each inside its namespace. */
  readonly scannerIf: string;
  readonly victimIf: string;
  /** Bare addresses (no prefix length). */
  readonly scannerIp4: string;
  readonly victimIp4: string;
  readonly scannerIp6: string | null;
  readonly victimIp6: string | null;
  /** Run a command in a namespace and collect its output. */
  exec(ns: string, cmd: string, args?: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Start a command in a namespace; it is killed by destroy(). */
  spawn(ns: string, cmd: string, args?: string[], opts?: SpawnOptions): ChildProcess;
  /** Kill everything inside and delete both namespaces. Idempotent, synchronous. */
  destroy(): void;
}

let counter = 0;
const live = new Set<NetnsPair>();
let backstopInstalled = false;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quietIp(args: string[]): void {
  try {
    ip(args);
  } catch {
    // best effort: used while tearing down
  }
}

function bare(cidr: string): string {
  return cidr.split('/')[0];
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Remove namespaces left by test processes that no longer exist. */
function sweepStale(): void {
  let names: string[] = [];
  try {
    names = ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0]);
  } catch {
    return;
  }
  for (const ns of names) {
    const m = /^pt(\d+)-\d+-[ab]$/.exec(ns);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // owner still running
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    killInside(ns);
    quietIp(['netns', 'del', ns]);
  }
}

function killInside(ns: string): void {
  let pids: string[] = [];
  try {
    pids = ip(['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
  } catch {
    return; // namespace never created
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** veth carrier comes up asynchronously (linkwatch, up to ~1 s); wait so the link really passes traffic. */
function waitRunning(ns: string, dev: string): void {
  for (let i = 0; i < 100; i++) {
    const flags = ip(['-n', ns, '-o', 'link', 'show', 'dev', dev]);
    if (flags.includes('LOWER_UP') && !flags.includes('NO-CARRIER') && flags.includes('state UP')) return;
    sleepSync(50);
  }
  throw new Error(`${dev} in ${ns} did not come up`);
}

function installBackstop(): void {
  if (backstopInstalled) return;
  backstopInstalled = true;
  const destroyAll = (): void => {
    for (const p of [...live]) p.destroy();
  };
  process.on('exit', destroyAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      destroyAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    });
  }
}

/** Skip the test (returning false) unless we are root and iproute2 is there. */
export function requireRoot(t: TestContext): boolean {
  if (typeof process.geteuid !== 'function' || process.geteuid() !== 0) {
    t.skip('needs root: network namespaces and packet capture (run the tests with sudo)');
    return false;
  }
  try {
    ip(['-V']);
  } catch {
    t.skip('needs the `ip` command (apt-get install iproute2)');
    return false;
  }
  return true;
}

/**
 * Create the pair. With a TestContext, destroy() is registered as its `after`
 * hook, so the namespaces go away however the test ends.
 */
export function createNetnsPair(t: TestContext | null, opts: NetnsOptions = {}): NetnsPair {
  installBackstop();
  if (counter === 0) sweepStale();
  const prefix = `pt${process.pid}-${counter++}`;
  const scanner = `${prefix}-a`;
  const victim = `${prefix}-b`;
  const scannerIf = `${prefix}a`; // <= 15 chars: "pt" + pid (<= 7) + "-" + n + "a"
  const victimIf = `${prefix}b`;
  const s4 = opts.scanner4 ?? '10.200.0.1/24';
  const v4 = opts.victim4 ?? '10.200.0.2/24';
  const s6 = opts.scanner6 === undefined ? 'fd00:200::1/64' : opts.scanner6;
  const v6 = opts.victim6 === undefined ? 'fd00:200::2/64' : opts.victim6;
  const children = new Set<ChildProcess>();
  let destroyed = false;

  const pair: NetnsPair = {
    prefix,
    scanner,
    victim,
    scannerIf,
    victimIf,
    scannerIp4: bare(s4),
    victimIp4: bare(v4),
    scannerIp6: s6 ? bare(s6) : null,
    victimIp6: v6 ? bare(v6) : null,

    exec(ns, cmd, args = [], o = {}) {
      return new Promise<ExecResult>((resolve, reject) => {
        const child = pair.spawn(ns, cmd, args, { env: o.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        // A command that exits without reading its input closes the pipe: EPIPE here is no error of the command.
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(o.input ?? '');
        const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          const r: ExecResult = { code, signal, stdout, stderr };
          if (code === 0 || o.allowFail) resolve(r);
          else reject(new Error(`${cmd} ${args.join(' ')} in ${ns}: exit ${code ?? signal}: ${stderr.trim()}`));
        });
      });
    },

    spawn(ns, cmd, args = [], o = {}) {
      if (destroyed) throw new Error(`namespaces ${prefix} already destroyed`);
      const child = spawnChild('ip', ['netns', 'exec', ns, cmd, ...args], o);
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      live.delete(pair);
      for (const c of children) c.kill('SIGKILL');
      for (const ns of [scanner, victim]) {
        killInside(ns);
        quietIp(['netns', 'del', ns]);
      }
    },
  };

  live.add(pair);
  t?.after(() => pair.destroy());
  try {
    // Leftovers from an earlier run that reused our pid would make `add` fail.
    quietIp(['netns', 'del', scanner]);
    quietIp(['netns', 'del', victim]);
    ip(['netns', 'add', scanner]);
    ip(['netns', 'add', victim]);
    // Both ends are created inside the namespaces: nothing appears on the host.
    ip(['link', 'add', scannerIf, 'netns', scanner, 'type', 'veth', 'peer', 'name', victimIf, 'netns', victim]);
    for (const [ns, dev, a4, a6, extra] of [
      [scanner, scannerIf, s4, s6, []],
      [victim, victimIf, v4, v6, opts.victimExtra ?? []],
    ] as const) {
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'addr', 'add', a4, 'dev', dev]);
      if (a6) ip(['-n', ns, 'addr', 'add', a6, 'dev', dev, 'nodad']);
      for (const x of extra) ip(['-n', ns, 'addr', 'add', x, 'dev', dev, ...(x.includes(':') ? ['nodad'] : [])]);
      ip(['-n', ns, 'link', 'set', dev, 'up']);
    }
    waitRunning(scanner, scannerIf);
    waitRunning(victim, victimIf);
  } catch (e) {
    pair.destroy();
    throw e;
  }
  return pair;
}
