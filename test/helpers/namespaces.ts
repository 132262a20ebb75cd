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
import { capMissing, liveCaptureMissing, nativeMissing } from './capture-env.js';

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

/** What a test needs besides root (each absent field: not needed); labUnavailable() with no argument asks for a whole lab. */
export interface LabNeeds {
  /** Programs that must be on PATH (sbin included); a whole lab: ip, tcpdump, nc, ss, python3. */
  tools?: readonly string[];
  /** A live-capture engine: 'any' (a whole lab), 'native' (the addon), 'cap', or none. */
  engine?: 'any' | 'native' | 'cap' | null;
  /** Network namespaces must work (`ip netns list`); a whole lab: true. */
  netns?: boolean;
  /** What root is for, in the skip reason. */
  rootFor?: string;
}

const WHOLE_LAB: LabNeeds = { tools: ['ip', 'tcpdump', 'nc', 'ss', 'python3'], engine: 'any', netns: true };

/**
 * Why a test that needs root (and `needs`) cannot run here, or null when it
 * can: the one root check of the suite, its reason given as the skip reason.
 */
export function labUnavailable(needs: LabNeeds = WHOLE_LAB): string | null {
  if (!isRoot()) return `needs root (${needs.rootFor ?? 'network namespaces, raw sockets, live capture'})`;
  for (const p of needs.tools ?? []) {
    const found = p === 'python3' ? existsSync(PYTHON) || which(p) : which(p);
    if (!found) return `${p} is not installed (bash .ci/install-deps)`;
  }
  const engine = needs.engine === 'native' ? nativeMissing() : needs.engine === 'cap' ? capMissing() : needs.engine === 'any' ? liveCaptureMissing() : false;
  if (engine) return engine;
  if (needs.netns) {
    const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', env: { ...process.env, PATH } });
    if (probe.status !== 0) return `ip netns does not work here: ${(probe.stderr ?? String(probe.error)).trim()}`;
  }
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

/** The lab's network namespaces as `ip netns list` names them. */
export function listNamespaces(): string[] {
  return run('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.split(/\s/)[0]!).filter(Boolean);
}

/** The pids of the processes inside a namespace (`ip netns pids`). */
export function namespacePids(ns: string): number[] {
  return run('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean).map(Number);
}

/**
 * How long a namespace may resist removal before that is an error: SIGKILL and
 * `ip netns del` take milliseconds; 10 s covers a loaded 2-core machine.
 */
export const REMOVE_DEADLINE_MS = 10_000;

/**
 * Kill every process inside a namespace (SIGKILL: one that ignores SIGTERM
 * must not keep it), then delete it, retrying until `ip netns list` no longer
 * names it. Throws, naming the namespace, when it is still there after
 * `deadlineMs` (a failed `ip netns del`, EBUSY while a process holds it).
 * Synchronous: usable from an 'exit' handler. A namespace that does not exist
 * is removed already.
 */
export function removeNamespaceSync(ns: string, deadlineMs = REMOVE_DEADLINE_MS): void {
  const end = Date.now() + deadlineMs;
  let why = '';
  for (;;) {
    if (!listNamespaces().includes(ns)) return;
    const pids = namespacePids(ns);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    if (pids.length > 0) {
      why = `processes ${pids.join(' ')} still inside`;
    } else {
      const r = run('ip', ['netns', 'del', ns]);
      if (r.code === 0 && !listNamespaces().includes(ns)) return;
      why = r.code === 0 ? 'still listed after ip netns del' : `ip netns del: ${r.stderr.trim() || `exit ${r.code ?? r.signal}`}`;
    }
    if (Date.now() > end) throw new Error(`network namespace ${ns} not removed after ${deadlineMs} ms (${why})`);
    sleepSync(20);
  }
}

/** Remove each namespace (all are tried); throws one error naming every one left behind. */
export function removeNamespacesSync(names: readonly string[], deadlineMs = REMOVE_DEADLINE_MS): void {
  const failed: string[] = [];
  for (const ns of names) {
    try {
      removeNamespaceSync(ns, deadlineMs);
    } catch (e) {
      failed.push((e as Error).message);
    }
  }
  if (failed.length > 0) throw new Error(failed.join('; '));
}

/** Something holding namespaces: abandonSync() removes them (and whatever else it owns), synchronously. */
export interface LabResource {
  abandonSync(): void;
}

const live = new Set<LabResource>();
let backstopInstalled = false;
let seq = 0;

/** The exit backstop's work: everything still held is removed; what cannot be is one line on stderr each. */
function abandonAll(): void {
  for (const r of [...live]) {
    live.delete(r);
    try {
      r.abandonSync();
    } catch (e) {
      // stderr is synchronous for files and pipes: the line is out before the process is.
      process.stderr.write(`peng-ts lab: left behind at exit: ${(e as Error).message}\n`);
    }
  }
}

function installBackstop(): void {
  if (backstopInstalled) return;
  backstopInstalled = true;
  process.on('exit', abandonAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      abandonAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** Remove lab namespaces whose creating process no longer exists (a run killed with SIGKILL). */
function removeOrphanNamespaces(): void {
  for (const ns of listNamespaces()) {
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
    if (!alive) {
      try {
        removeNamespaceSync(ns!);
      } catch (e) {
        process.stderr.write(`peng-ts lab: orphan sweep: ${(e as Error).message}\n`);
      }
    }
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
