/**
 * The processes a lab runs inside its namespaces, for both labs of the
 * library (scan-lab.ts, netns.ts): started with spawn(), run to their end
 * with exec() (the one async exec of the suite), all killed by killAll().
 * killAll() only reaches what was started here; namespaces.ts's removal
 * kills whatever else is inside (`ip netns pids`).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { PATH, type ExecResult } from './namespaces.js';

export interface SpawnInOptions {
  /** Default: the lab's directory (or this process's). */
  cwd?: string;
  /** Added to this process's environment (PATH with sbin included). */
  env?: NodeJS.ProcessEnv;
  /** Default ['ignore', 'pipe', 'pipe']. */
  stdio?: StdioOptions;
  /** Output discarded (stdio 'ignore'): a service's log must never fill a pipe nobody reads and block it. */
  quiet?: boolean;
}

export interface ExecOptions {
  /** Kill the command (SIGKILL) after this long; default 120 s. */
  timeoutMs?: number;
  /** Resolve with the result on a non-zero exit or a timeout instead of rejecting (the caller reads `code`). */
  allowFail?: boolean;
  /** Written to its standard input (closed after it; default empty). */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const EXEC_TIMEOUT_MS = 120_000;

export class NamespaceProcs {
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  /** `what` names the lab in errors; `cwd` is the default working directory. */
  constructor(private readonly what: string, private readonly cwd?: string) {}

  /** Start a command in a namespace; it is killed by killAll(). */
  spawn(ns: string, cmd: string, args: string[] = [], o: SpawnInOptions = {}): ChildProcess {
    if (this.closed) throw new Error(`${this.what}: already destroyed, cannot start ${cmd}`);
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      cwd: o.cwd ?? this.cwd,
      env: { ...process.env, PATH, ...o.env },
      stdio: o.quiet ? 'ignore' : (o.stdio ?? ['ignore', 'pipe', 'pipe']),
    });
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    return child;
  }

  /**
   * Run a command in a namespace to its end and collect its output. Rejects
   * (with its stderr) on a non-zero exit or a timeout unless `allowFail`.
   */
  exec(ns: string, cmd: string, args: string[] = [], o: ExecOptions = {}): Promise<ExecResult> {
    const t0 = Date.now();
    const timeoutMs = o.timeoutMs ?? EXEC_TIMEOUT_MS;
    return new Promise<ExecResult>((resolve, reject) => {
      const child = this.spawn(ns, cmd, args, { env: o.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      // A command that exits without reading its input closes the pipe: EPIPE here is no error of the command.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(o.input ?? '');
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) stderr += `\n[killed after ${timeoutMs} ms]`;
        const r: ExecResult = { code, signal, stdout, stderr, ms: Date.now() - t0 };
        if ((code === 0 && !timedOut) || o.allowFail) resolve(r);
        else reject(new Error(`${cmd} ${args.join(' ')} in ${ns}: ${timedOut ? `killed after ${timeoutMs} ms` : `exit ${code ?? signal}`}: ${stderr.trim()}`));
      });
    });
  }

  /** SIGTERM every process started here; resolves when all have exited or after `ms` (killAll() then does the rest). */
  async terminate(ms: number): Promise<void> {
    const running = [...this.children].filter((c) => c.exitCode === null && c.signalCode === null);
    const closed = running.map((c) => new Promise<void>((r) => c.once('close', () => r())));
    for (const c of running) c.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  /** SIGKILL every process started here; no more can be started. Synchronous. */
  killAll(): void {
    this.closed = true;
    for (const c of this.children) {
      try {
        c.kill('SIGKILL');
      } catch {
        // gone
      }
    }
  }
}
