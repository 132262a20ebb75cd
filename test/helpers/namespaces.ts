/**
 * The core of the lab library: every network namespace a test makes (the
 * scanner lab of scan-lab.ts, the plain pair of netns.ts) is checked for,
 * named, cleaned up at exit and swept when orphaned here, once.
 *
 * Names: psl<pid>n<k> plus a one-letter side (<= 15 characters, so a veth can
 * carry the same name). A process that ends normally or by SIGINT, SIGTERM or
 * SIGHUP removes its namespaces (the exit backstop); one killed harder leaves
 * them behind, and the next lab made by any process removes those whose pid
 * is gone (the orphan sweep).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { liveCaptureMissing } from './capture-env.js';

const PREFIX = 'psl';
/** PATH for every command the lab runs: ip, tcpdump, zmap live in sbin, which a user's PATH may lack. */
export const PATH = `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin:/usr/local/sbin`;
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// ---------------------------------------------------------------------------
// Environment checks (the one root check)

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The path of a program on PATH (sbin included), or null. */
export function which(program: string): string | null {
  for (const dir of PATH.split(':')) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  return null;
}

/** Why a lab cannot be built here, or null when it can. */
export function labUnavailable(): string | null {
  if (!isRoot()) return 'needs root (network namespaces, raw sockets, live capture)';
  for (const p of ['ip', 'tcpdump', 'nc', 'ss']) if (!which(p)) return `${p} is not installed (bash .ci/install-deps)`;
  if (!existsSync(PYTHON) && !which('python3')) return 'python3 is not installed';
  const engine = liveCaptureMissing();
  if (engine) return engine;
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.status !== 0) return `ip netns does not work here: ${probe.stderr.trim()}`;
  return null;
}

// ---------------------------------------------------------------------------
// Commands run to their end, synchronously (ip, ss, sysctl)

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds the command ran. */
  ms: number;
}

export function run(cmd: string, args: string[]): ExecResult {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, PATH } });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : ''), ms: Date.now() - t0 };
}

export function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------------------
// Namespaces: names, removal, the exit backstop, the orphan sweep

/** Kill every process inside a namespace, then delete it. Synchronous: usable from an 'exit' handler. */
export function removeNamespaceSync(ns: string): void {
  for (let round = 0; round < 3; round++) {
    const pids = run('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean).map(Number);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, round === 0 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const until = Date.now() + 300;
    while (Date.now() < until && run('ip', ['netns', 'pids', ns]).stdout.trim() !== '') sleepSync(20);
  }
  run('ip', ['netns', 'del', ns]);
}

/** Something holding namespaces: abandonSync() removes them (and whatever else it owns), synchronously. */
export interface LabResource {
  abandonSync(): void;
}

const live = new Set<LabResource>();
let backstopInstalled = false;
let seq = 0;

function installBackstop(): void {
  if (backstopInstalled) return;
  backstopInstalled = true;
  process.on('exit', () => {
    for (const r of [...live]) r.abandonSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const r of [...live]) r.abandonSync();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** Remove lab namespaces whose creating process no longer exists (a run killed with SIGKILL). */
function removeOrphanNamespaces(): void {
  const names = run('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.split(/\s/)[0]);
  for (const ns of names) {
    const m = new RegExp(`^${PREFIX}(\\d+)n\\d+[a-z]$`).exec(ns ?? '');
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code !== 'ESRCH';
    }
    if (!alive) removeNamespaceSync(ns!);
  }
}

/**
 * Start holding namespaces: a fresh base name (append one letter per side),
 * orphans swept, `owner` abandoned at exit until release() is called.
 */
export function holdNamespaces(owner: LabResource): { base: string; release(): void } {
  installBackstop();
  removeOrphanNamespaces();
  live.add(owner);
  return { base: `${PREFIX}${process.pid}n${seq++}`, release: () => live.delete(owner) };
}
