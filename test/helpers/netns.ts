/**
 * Two network namespaces joined by a veth pair, for tests that need real
 * traffic without touching the host's network:
 *
 *   <base>a (scanner)  <base>a ==veth== <base>b  <base>b (victim)
 *
 * Part of the lab library: names, the root check, the exit backstop and the
 * orphan sweep come from namespaces.ts (as for scan-lab.ts). destroy() kills
 * every process inside and deletes both namespaces; it runs from the test's
 * `after` hook, and from the backstop at exit.
 */
import type { ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { holdNamespaces, labUnavailable, must, removeNamespacesSync, sleepSync, type ExecResult } from './namespaces.js';
import { NamespaceProcs, type ExecOptions, type SpawnInOptions } from './ns-procs.js';
export type { ExecResult } from './namespaces.js';
export type { ExecOptions, SpawnInOptions } from './ns-procs.js';

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
  /** Run a command in a namespace and collect its output (ns-procs.ts: rejects on failure unless allowFail). */
  exec(ns: string, cmd: string, args?: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Start a command in a namespace; it is killed by destroy(). */
  spawn(ns: string, cmd: string, args?: string[], opts?: SpawnInOptions): ChildProcess;
  /**
   * Kill everything inside and delete both namespaces. Idempotent,
   * synchronous; throws, naming them, if a namespace could not be removed.
   */
  destroy(): void;
}

/** Skip the test (returning false) unless a lab can be built here (root, iproute2, a capture engine). */
export function requireRoot(t: TestContext): boolean {
  const why = labUnavailable();
  if (why) t.skip(why);
  return why === null;
}

function bare(cidr: string): string {
  return cidr.split('/')[0];
}

/** veth carrier comes up asynchronously (linkwatch, up to ~1 s); wait so the link really passes traffic. */
function waitRunning(ns: string, dev: string): void {
  for (let i = 0; i < 100; i++) {
    const flags = must('ip', ['-n', ns, '-o', 'link', 'show', 'dev', dev]);
    if (flags.includes('LOWER_UP') && !flags.includes('NO-CARRIER') && flags.includes('state UP')) return;
    sleepSync(50);
  }
  throw new Error(`${dev} in ${ns} did not come up`);
}

/**
 * Create the pair. With a TestContext, destroy() is registered as its `after`
 * hook, so the namespaces go away however the test ends.
 */
export function createNetnsPair(t: TestContext | null, opts: NetnsOptions = {}): NetnsPair {
  const owner = { abandonSync: () => pair.destroy() };
  const { base: prefix, release } = holdNamespaces(owner);
  const scanner = `${prefix}a`;
  const victim = `${prefix}b`;
  // Each veth end lives in its own namespace: it can carry that namespace's name.
  const scannerIf = scanner;
  const victimIf = victim;
  const s4 = opts.scanner4 ?? '10.200.0.1/24';
  const v4 = opts.victim4 ?? '10.200.0.2/24';
  const s6 = opts.scanner6 === undefined ? 'fd00:200::1/64' : opts.scanner6;
  const v6 = opts.victim6 === undefined ? 'fd00:200::2/64' : opts.victim6;
  const procs = new NamespaceProcs(`namespaces ${prefix}`);

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

    exec: (ns, cmd, args = [], o = {}) => procs.exec(ns, cmd, args, o),
    spawn: (ns, cmd, args = [], o = {}) => procs.spawn(ns, cmd, args, o),

    destroy() {
      procs.killAll();
      removeNamespacesSync([scanner, victim]);
      release();
    },
  };

  t?.after(() => pair.destroy());
  try {
    // Leftovers from an earlier run that reused our pid would make `add` fail.
    removeNamespacesSync([scanner, victim]);
    must('ip', ['netns', 'add', scanner]);
    must('ip', ['netns', 'add', victim]);
    // Both ends are created inside the namespaces: nothing appears on the host.
    must('ip', ['link', 'add', scannerIf, 'netns', scanner, 'type', 'veth', 'peer', 'name', victimIf, 'netns', victim]);
    for (const [ns, dev, a4, a6, extra] of [
      [scanner, scannerIf, s4, s6, []],
      [victim, victimIf, v4, v6, opts.victimExtra ?? []],
    ] as const) {
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', ns, 'addr', 'add', a4, 'dev', dev]);
      if (a6) must('ip', ['-n', ns, 'addr', 'add', a6, 'dev', dev, 'nodad']);
      for (const x of extra) must('ip', ['-n', ns, 'addr', 'add', x, 'dev', dev, ...(x.includes(':') ? ['nodad'] : [])]);
      must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    waitRunning(scanner, scannerIf);
    waitRunning(victim, victimIf);
  } catch (e) {
    pair.destroy();
    throw e;
  }
  return pair;
}
