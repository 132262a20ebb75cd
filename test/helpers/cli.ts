import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '../..');
export const SHARED_CAPTURES = join(REPO, '../shared/captures');
export const SAMPLE = join(REPO, 'samples/nmap-syn-scan.pcap');

/** Newest modification time of a .ts file under dir. */
function newestTs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestTs(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function distIsFresh(): boolean {
  try {
    return statSync(join(REPO, 'dist/src/main.js')).mtimeMs >= newestTs(join(REPO, 'src'));
  } catch {
    return false;
  }
}

/**
 * Node arguments that start the sensor: the compiled dist/src/main.js when no
 * source is newer (test/run.sh builds it; a start then costs ~0.7 s of CPU
 * instead of ~1.6 s through tsx), else src/main.ts through tsx.
 */
export const DIST_FRESH = distIsFresh();
export const SENSOR: readonly string[] = DIST_FRESH ? [join(REPO, 'dist/src/main.js')] : ['--import', 'tsx', join(REPO, 'src/main.ts')];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the sensor's CLI as a user would. */
export function runCli(args: string[], opts: { input?: Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [...SENSOR, ...args], {
    cwd: opts.cwd ?? REPO,
    input: opts.input,
    env: { ...process.env, TZ: 'UTC', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start the CLI in the background; the caller stops it. */
export function startCli(args: string[], prefix: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const [cmd, ...pre] = prefix.length ? prefix : [process.execPath];
  const argv = prefix.length ? [...pre, process.execPath, ...SENSOR, ...args] : [...SENSOR, ...args];
  const child = spawn(cmd, argv, { cwd: REPO, env: { ...process.env, TZ: 'UTC', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Frame lines of Peng's console format: [time] [CLIENT|SERVER] total entropy: x */
export function frameLines(stdout: string): { time: string; dir: string; value: number }[] {
  const out = [];
  for (const m of stdout.matchAll(/^\[([^\]]+)\] \[(CLIENT|SERVER)\] total entropy: (\d+\.\d{6})$/gm)) {
    out.push({ time: m[1], dir: m[2], value: Number(m[3]) });
  }
  return out;
}
