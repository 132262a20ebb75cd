import { assemble } from './assemble/assemble.js';
import { ALL_MODULES } from './assemble/registry.js';
import { FileSource } from './capture/file-source.js';
import { parseCli, renderCounters, renderHelp } from './config/cli.js';
import { bool, num } from './config/params.js';
import { isSensorError } from './errors.js';
import { startProgress } from './progress.js';
import { ConsoleSink, formatStats } from './sink/console.js';
import { formatScanEventLine } from './sink/event-line.js';
import { stdoutOutput } from './sink/stdout.js';
import { VERSION } from './version.js';

const warn = (line: string) => process.stderr.write(`peng-ts: ${line}\n`);

async function main(argv: string[]): Promise<number> {
  // Sub-commands of the session classifier (src/sessions/, src/ml/).
  if (argv[0] === 'sessions') return (await import('./sessions/cli.js')).sessionsMain(argv.slice(1));
  if (argv[0] === 'train') return (await import('./ml/train-cli.js')).trainMain(argv.slice(1));
  // Every stdout write goes through one guard: `peng-ts ... | head -1` is EPIPE, not a crash.
  const stdout = stdoutOutput();
  if (argv.some((a) => a === '--help' || a === '-help' || a === '-h')) {
    stdout.write(renderHelp(ALL_MODULES) + '\n');
    stdout.write('\nSub-commands: peng-ts sessions --help (a capture as a session dataset), peng-ts train --help (a session classifier).\n');
    return 0;
  }
  const p = parseCli(argv, ALL_MODULES);
  if (bool(p, 'help-config')) {
    stdout.write(renderHelp(ALL_MODULES, true) + '\n');
    return 0;
  }
  if (bool(p, 'help-counts')) {
    stdout.write(renderCounters([...ALL_MODULES]) + '\n');
    return 0;
  }
  if (bool(p, 'version')) {
    stdout.write(`peng-ts ${VERSION}\n`);
    return 0;
  }
  if (bool(p, 'interfaces')) {
    const { listInterfaces } = await import('./capture/interfaces.js');
    for (const i of listInterfaces()) {
      stdout.write(`${i.name}${i.description ? ` (${i.description})` : ''}: ${i.addresses.join(', ') || 'no addresses'}\n`);
    }
    return 0;
  }

  // SIGHUP's default is to kill silently: from here on it never does (reopen once the outputs exist).
  let onHup = (): void => undefined;
  process.on('SIGHUP', () => onHup());
  const verbose = num(p, 'verbose');
  const consoleSink = new ConsoleSink(verbose, (t) => stdout.write(t), formatScanEventLine);
  const { sensor, output, stats, source, sources } = await assemble(p, { warn, sinks: [consoleSink], trace: (line) => consoleSink.line(line) });
  let signals = 0;
  const onSignal = () => {
    // First signal: stop, close frames and scans, flush. Second: leave at once.
    if (++signals > 1) process.exit(130);
    sensor.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The reader of stdout left (EPIPE) or stdout failed: when nothing else is
  // written, stop as tcpdump does (flush, stats, exit); else the others go on.
  stdout.onGone(() => {
    if (!output.beyondStdout) sensor.stop();
  });
  // SIGHUP (logrotate's postrotate, systemctl reload): reopen the files, keep running.
  onHup = () => {
    output.reopen().then((names) => {
      if (verbose >= 1) warn(`SIGHUP: reopened ${names.length ? names.join(', ') : 'nothing (no file outputs)'}`);
    }, () => undefined);
  };

  if (verbose >= 1) warn(`watching ${sources.map((s) => s.description).join(' and ')}; outputs: ${output.names.join(', ')}`);
  // A long replay on a terminal shows its progress (off when not a TTY, or -verbose 0).
  const stopProgress = source instanceof FileSource && process.stderr.isTTY && verbose >= 1 ? startProgress(source, stats, (t) => process.stderr.write(t)) : () => {};
  try {
    await sensor.run();
  } finally {
    stopProgress();
    // Also when a source failed (an interface gone down): the counters say what was seen.
    process.stderr.write(formatStats({ kind: 'stats', ts: sensor.pipeline.now, counters: stats.snapshot() }) + '\n');
  }
  const failed = [...output.failures, ...(stdout.failure ? [stdout.failure] : [])];
  if (source?.damage) warn(source.damage);
  if (failed.length > 0) {
    warn(`${failed.length === 1 ? 'an output' : `${failed.length} outputs`} failed (${failed.join('; ')}): exit status 1`);
    return 1;
  }
  return source?.damage ? 2 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isSensorError(e)) {
      warn(e.message);
      process.exitCode = e.code.startsWith('CFG') ? 64 : 1;
    } else {
      warn(`internal error: ${(e as Error)?.stack ?? String(e)}`);
      process.exitCode = 70;
    }
  },
);
