/**
 * A test process that dies without cleaning up, for namespaces.test.ts: it
 * makes namespaces, prints what it made as one JSON line, and exits with
 * process.exit(1) without destroy(), so only the exit backstop can remove them.
 *   pair   a netns pair with a SIGTERM-ignoring process inside one namespace
 *          and a second mount stacked on the other (its first `ip netns del`
 *          fails with EBUSY)
 *   stuck  a "namespace" that cannot be removed (a directory in /run/netns):
 *          the backstop must say so in one line on stderr
 */
import { spawn } from 'node:child_process';
import { holdNamespaces, must, namespacePids, removeNamespaceSync, sleepSync } from './namespaces.js';
import { createNetnsPair } from './netns.js';

/** A shell and its sleep, both ignoring SIGTERM (an ignored signal stays ignored across exec). */
const IGNORES_TERM = 'trap "" TERM; sleep 600 & wait';

const mode = process.argv[2];
if (mode === 'pair') {
  const pair = createNetnsPair(null, { scanner6: null, victim6: null });
  // Started outside the pair's own process list: only `ip netns pids` finds it.
  spawn('ip', ['netns', 'exec', pair.victim, 'sh', '-c', IGNORES_TERM], { stdio: 'ignore' });
  const until = Date.now() + 10_000;
  while (namespacePids(pair.victim).length < 2 && Date.now() < until) sleepSync(20);
  must('mount', ['--bind', `/run/netns/${pair.scanner}`, `/run/netns/${pair.scanner}`]);
  const inside = namespacePids(pair.victim);
  process.stdout.write(`${JSON.stringify({ names: [pair.scanner, pair.victim], pids: inside })}\n`);
  process.exit(1);
} else if (mode === 'stuck') {
  const name = process.argv[3]!;
  const { base } = holdNamespaces({ abandonSync: () => removeNamespaceSync(name, 200) });
  process.stdout.write(`${JSON.stringify({ names: [name], base })}\n`);
  process.exit(1);
} else {
  process.stderr.write(`usage: namespaces-exit-child.ts pair|stuck NAME\n`);
  process.exit(64);
}
