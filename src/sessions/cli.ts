import { stringify } from 'csv-stringify/sync';
import { FileSource } from '../capture/file-source.js';
import type { CaptureSource } from '../capture/source.js';
import { parseCli, renderCounters, renderHelp } from '../config/cli.js';
import { captureParams } from '../config/sensor-params.js';
import { bool, list, num, str, type ParamValues } from '../config/params.js';
import { CidrSet } from '../decode/cidr-set.js';
import type { Detector } from '../detect/detector.js';
import { SensorError } from '../errors.js';
import { Output } from '../output.js';
import { Sensor } from '../sensor.js';
import { formatStats } from '../sink/console.js';
import { StatsRegistry } from '../stats/counters.js';
import { SESSION_COLUMNS, SESSION_HEADER, sessionRow } from './columns.js';
import { sessionsModule } from './module.js';
import type { Session } from './session.js';
import { SessionTable } from './session-table.js';

const MODULES = [captureParams, sessionsModule];
/** Rows per write: one write per few hundred sessions, not one per session. */
const BATCH = 256;

/** Registers a session table's counters under sessions.*. */
export function addSessionCounters(stats: StatsRegistry, t: SessionTable): void {
  stats.add(sessionsModule.counters, (out) => {
    out['sessions.packets'] = t.packets;
    out['sessions.not_tcp'] = t.notTcp;
    out['sessions.opened'] = t.opened;
    out['sessions.closed'] = t.closed;
    out['sessions.open'] = t.open;
    out['sessions.open_max'] = t.table.highWater;
    out['sessions.evicted'] = t.table.evictions;
    out['sessions.collisions'] = t.collisions;
    out['sessions.flushed'] = t.flushed;
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

async function openSource(read: string | undefined, network: string | undefined, p: ParamValues): Promise<CaptureSource> {
  if ((read === undefined) === (network === undefined)) {
    throw new SensorError('CFG_INVALID', 'sessions: give -r FILE (or -r - for standard input) or -network IFACE (live), one of them');
  }
  if (read !== undefined) return new FileSource(read);
  const { LiveSource } = await import('../capture/live.js');
  const engine = str(p, 'capture-engine');
  const source = new LiveSource({
    device: network!,
    filter: str(p, 'filter'),
    snaplen: num(p, 'snaplen'),
    bufferSizeMiB: num(p, 'buffer-size'),
    promiscuous: bool(p, 'promisc'),
    engine: engine === 'cap' || engine === 'native' ? engine : undefined,
    user: str(p, 'user'),
  });
  source.open();
  await source.ready();
  return source;
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
  const source = await openSource(str(p, 'read'), str(p, 'network'), p);
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
