import { stringify } from 'csv-stringify/sync';
import type { CaptureSource } from '../capture/source.js';
import { parseCli, renderCounters, renderHelp } from '../config/cli.js';
import { buildCapture } from '../capture/module.js';
import { captureParams } from '../capture/params.js';
import { list, num, str, type ParamValues } from '../config/params.js';
import { CidrSet } from '../decode/cidr-set.js';
import type { Detector } from '../detect/detector.js';
import { SensorError } from '../errors.js';
import { Output } from '../output.js';
import { Sensor } from '../sensor.js';
import { formatStats } from '../sink/console.js';
import { StatsRegistry } from '../stats/counters.js';
import { SESSION_COLUMNS, SESSION_HEADER, sessionRow } from './columns.js';
import { SESSIONS_COUNTERS, sessionsModule } from './module.js';
import type { Session } from './session.js';
import { SessionTable } from './session-table.js';

const MODULES = [captureParams, sessionsModule];
/** Rows per write: one write per few hundred sessions, not one per session. */
const BATCH = 256;

/** Registers a session table's counters under sessions.*. */
export function addSessionCounters(stats: StatsRegistry, t: SessionTable): void {
  stats.bind(SESSIONS_COUNTERS, {
    packets: () => t.packets,
    notTcp: () => t.notTcp,
    opened: () => t.opened,
    closed: () => t.closed,
    open: () => t.open,
    openMax: () => t.table.highWater,
    evicted: () => t.table.evictions,
    collisions: () => t.collisions,
    flushed: () => t.flushed,
  });
}

/** The label of a closed session: fixed, by source CIDR, or none (-1). */
function labeller(scanners: CidrSet, fixed: number): (s: Session) => number {
  if (fixed >= 0) return () => fixed;
  if (scanners.size === 0) return () => -1;
  return (s) => ((s.v6 ? scanners.hasV6(s.src6) : scanners.hasV4(s.src4)) ? 1 : 0);
}

/** The session table as a pipeline detector that writes CSV rows in batches. */
class SessionWriter implements Detector {
  readonly name = 'sessions';
  readonly table: SessionTable;
  private rows: (string | number)[][] = [];

  constructor(window: number, maxSessions: number, label: (s: Session) => number, private readonly write: (text: string) => void) {
    this.table = new SessionTable({ window, maxSessions, onClose: (s) => this.rows.push(sessionRow(s, label(s))) });
    write(stringify([SESSION_HEADER as string[]]));
  }

  onPacket(v: Parameters<Detector['onPacket']>[0]): void {
    this.table.onPacket(v);
    if (this.rows.length >= BATCH) this.drain();
  }

  tick(now: number): void {
    this.table.tick(now);
    this.drain();
  }

  flush(now: number): void {
    this.table.flush(now);
    this.drain();
  }

  private drain(): void {
    if (this.rows.length === 0) return;
    this.write(stringify(this.rows));
    this.rows = [];
  }
}

async function openSource(p: ParamValues): Promise<CaptureSource> {
  if ((str(p, 'read') === undefined) === (str(p, 'network') === undefined)) {
    throw new SensorError('CFG_INVALID', 'sessions: give -r FILE (or -r - for standard input) or -network IFACE (live), one of them');
  }
  const built = (await buildCapture(p, (line) => process.stderr.write(`peng-ts: ${line}\n`)))!;
  if (built.kind === 'live') {
    built.source.open();
    await built.source.ready(); // the cap engine opens in its own process
  }
  return built.source;
}

/** `peng-ts sessions ...`: returns the exit code. */
export async function sessionsMain(argv: string[]): Promise<number> {
  if (argv.some((a) => a === '--help' || a === '-help' || a === '-h')) {
    process.stdout.write(renderHelp(MODULES, true) + '\n\nColumns:\n' + renderColumns() + '\n');
    return 0;
  }
  if (argv.includes('--help-counts')) {
    process.stdout.write(renderCounters(MODULES) + '\n');
    return 0;
  }
  const p = parseCli(argv, MODULES);
  const scanners = CidrSet.parse(list(p, 'scanner'), '--scanner');
  const fixed = str(p, 'label');
  if (fixed !== undefined && scanners.size > 0) throw new SensorError('CFG_INVALID', 'sessions: give --scanner or --label, not both');
  const source = await openSource(p);
  const stats = new StatsRegistry();
  let broken = false;
  process.stdout.on('error', () => {
    // A closed pipe (| head): stop reading, nothing more to say.
    broken = true;
    sensor.stop();
  });
  const writer = new SessionWriter(num(p, 'window'), num(p, 'max-sessions'), labeller(scanners, fixed === undefined ? -1 : Number(fixed)), (t) => {
    if (!broken) process.stdout.write(t);
  });
  addSessionCounters(stats, writer.table);
  const sensor = new Sensor({ sources: [source], detectors: [writer], output: new Output(stats), stats });
  const onSignal = () => sensor.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await sensor.run();
  process.stderr.write(formatStats({ kind: 'stats', ts: sensor.pipeline.now, counters: stats.snapshot() }) + '\n');
  if (source.damage) {
    process.stderr.write(`peng-ts: ${source.damage}\n`);
    return 2;
  }
  return 0;
}

function renderColumns(): string {
  return SESSION_COLUMNS.map((c) => `  ${c.name}\n      ${c.help}`).join('\n');
}
