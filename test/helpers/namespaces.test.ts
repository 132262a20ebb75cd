/**
 * The lab core (namespaces.ts): every namespace a lab made is gone after
 * destroy() or after the test process exits, even with a process inside that
 * ignores SIGTERM, or an `ip netns del` that fails with EBUSY (a second mount
 * stacked on the namespace file: the old single `ip netns del` left it, as
 * seen after failed scanner runs); what cannot be removed is reported, named.
 * Root and namespaces: run under the lab lock.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from './cli.js';
import { labUnavailable, listNamespaces, must, namespacePids, removeNamespaceSync, removeNamespacesSync } from './namespaces.js';
import { createNetnsPair } from './netns.js';
import { ScanLab } from './scan-lab.js';
import { waitFor } from './wait.js';

const unavailable = labUnavailable({ tools: ['ip', 'nc', 'ss', 'python3', 'mount'], engine: null, netns: true, rootFor: 'network namespaces' });
const IGNORES_TERM = 'trap "" TERM; sleep 600 & echo $!; wait';
const NETNS_DIR = '/run/netns';

/** A process is gone when /proc has no entry for it, or only a zombie's. */
function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Start `sh` (and its `sleep`), both ignoring SIGTERM, in `ns`; resolves to their pids once both are inside. */
async function startStubborn(ns: string, start: (ns: string) => ChildProcess): Promise<number[]> {
  const child = start(ns);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(`the sleep's pid from ${ns}`, () => /^\d+\n/.test(out), 10_000);
  const pids = [child.pid!, Number(out.trim())];
  await waitFor(`both processes inside ${ns}`, () => pids.every((p) => namespacePids(ns).includes(p)), 10_000);
  return pids;
}

/** A name in /run/netns that `ip netns del` cannot remove (a directory with a file in it). */
function stuckName(tag: string): string {
  const name = `pslx${process.pid}${tag}`;
  mkdirSync(join(NETNS_DIR, name), { recursive: true });
  writeFileSync(join(NETNS_DIR, name, 'keep'), '');
  return name;
}

test('ScanLab.destroy removes both namespaces with SIGTERM-ignoring processes inside (one its own, one only ip netns pids finds)', { skip: unavailable ?? false, timeout: 120_000 }, async () => {
  const lab = await ScanLab.create();
  let pids: number[] = [];
  try {
    const own = await startStubborn(lab.victimNs, (ns) => lab.spawnIn(ns, 'sh', ['-c', IGNORES_TERM]));
    const foreign = await startStubborn(lab.scannerNs, (ns) => spawn('ip', ['netns', 'exec', ns, 'sh', '-c', IGNORES_TERM], { stdio: ['ignore', 'pipe', 'ignore'] }));
    pids = [...own, ...foreign];
  } finally {
    await lab.destroy();
  }
  const left = listNamespaces();
  assert.ok(!left.includes(lab.victimNs) && !left.includes(lab.scannerNs), `still listed: ${left.join(' ')}`);
  await waitFor('every process that was inside to be gone', () => pids.every(gone), 10_000);
});

test('an ip netns del that fails with EBUSY (a second mount on the namespace file) is retried until the namespace is gone', { skip: unavailable ?? false, timeout: 60_000 }, () => {
  const pair = createNetnsPair(null, { scanner6: null, victim6: null });
  try {
    must('mount', ['--bind', join(NETNS_DIR, pair.victim), join(NETNS_DIR, pair.victim)]);
    // The check can fail: once, ip netns del leaves it (what the lab did before).
    const once = spawnSync('ip', ['netns', 'del', pair.victim], { encoding: 'utf8' });
    assert.notEqual(once.status, 0, 'a stacked mount should make the first ip netns del fail');
    assert.match(once.stderr, /busy/i);
    must('mount', ['--bind', join(NETNS_DIR, pair.victim), join(NETNS_DIR, pair.victim)]);
  } finally {
    pair.destroy();
  }
  const left = listNamespaces();
  assert.ok(!left.includes(pair.victim) && !left.includes(pair.scanner), `still listed: ${left.join(' ')}`);
});

test('a namespace that cannot be removed: removal throws naming it, after trying the others', { skip: unavailable ?? false, timeout: 60_000 }, () => {
  const stuck = stuckName('t');
  const pair = createNetnsPair(null, { scanner6: null, victim6: null });
  try {
    assert.throws(() => removeNamespaceSync(stuck, 200), new RegExp(`network namespace ${stuck} not removed after 200 ms \\(ip netns del: .*Is a directory`));
    assert.throws(() => removeNamespacesSync([stuck, pair.scanner, pair.victim], 200), (e: Error) => e.message.includes(stuck) && !e.message.includes(pair.victim));
    const left = listNamespaces();
    assert.ok(!left.includes(pair.victim) && !left.includes(pair.scanner), `the others were removed: ${left.join(' ')}`);
  } finally {
    rmSync(join(NETNS_DIR, stuck), { recursive: true, force: true });
    pair.destroy();
  }
});

/** Run namespaces-exit-child.ts; its first stdout line is JSON. */
function runChild(args: string[]): { code: number | null; stderr: string; made: { names: string[]; pids?: number[] } } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'test/helpers/namespaces-exit-child.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  const first = r.stdout.split('\n')[0] ?? '';
  assert.ok(first.startsWith('{'), `child printed no JSON (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
  return { code: r.status, stderr: r.stderr, made: JSON.parse(first) as { names: string[]; pids?: number[] } };
}

test('a test process that exits with process.exit(1) without destroy: the exit backstop removes its namespaces and kills what was inside', { skip: unavailable ?? false, timeout: 120_000 }, async () => {
  const r = runChild(['pair']);
  const left = listNamespaces();
  try {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.made.names.length, 2);
    assert.ok(r.made.pids && r.made.pids.length >= 2, `processes inside: ${r.made.pids?.join(' ')}`);
    assert.deepEqual(r.made.names.filter((n) => left.includes(n)), [], `left behind by the child: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /left behind/);
    await waitFor('the SIGTERM-ignoring processes to be gone', () => r.made.pids!.every(gone), 10_000);
  } finally {
    removeNamespacesSync(r.made.names);
  }
});

test('the exit backstop says in one line on stderr which namespace it could not remove', { skip: unavailable ?? false, timeout: 60_000 }, () => {
  const stuck = stuckName('c');
  try {
    const r = runChild(['stuck', stuck]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.includes('peng-ts lab:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^peng-ts lab: left behind at exit: network namespace ${stuck} not removed after 200 ms`));
  } finally {
    rmSync(join(NETNS_DIR, stuck), { recursive: true, force: true });
  }
  assert.ok(!existsSync(join(NETNS_DIR, stuck)));
});
