import {
  DISTRIBUTED_FIELDS,
  ENTROPY_EVENT_FIELDS,
  type EventField,
  type FrameStat,
  type ScanEvent,
  type SensorRecord,
  type StatsSnapshot,
} from '../schema.js';
import { SCAN_FIELDS, type ScanFieldSpec } from '../scan-fields.js';
import { INFLUX_COUNTERS } from './counters.js';
import type { FieldValue, Point } from './line-protocol.js';

/**
 * What the sensor writes to InfluxDB, declared once. The points, the schema
 * section of docs/influx.md (renderSchemaMarkdown, checked by a test) and the
 * dashboard check in test/deploy all read these tables, so a renamed field
 * fails a test instead of leaving an empty panel.
 *
 * Every timestamp is packet time: a replayed capture lands when its traffic
 * happened, not when it was replayed.
 */

/** Where the points come from: the values of the `sensor` and `source` tags. */
export interface PointOrigin {
  /** --sensor-name, default the host name. */
  readonly sensor: string;
  /** Interface (live) or capture file (replay). */
  readonly source: string;
}

export type FieldType = 'float' | 'int' | 'string';

export interface TagSpec<R> {
  readonly name: string;
  readonly help: string;
  readonly get: (r: R, o: PointOrigin) => string;
}

export interface FieldSpec<R> {
  readonly name: string;
  readonly type: FieldType;
  readonly unit?: string;
  readonly help: string;
  /** Undefined leaves the field out of this point. */
  readonly get: (r: R) => number | string | undefined;
}

export interface MeasurementSpec<R> {
  readonly measurement: string;
  readonly help: string;
  /** When a point is written and which time it carries, for the docs. */
  readonly when: string;
  /** Only with --influx-peng-compat. */
  readonly optIn?: string;
  readonly time: (r: R) => number;
  readonly tags: readonly TagSpec<R>[];
  readonly fields: readonly FieldSpec<R>[];
}

const sensorTag = { name: 'sensor', help: '--sensor-name (default: the host name).', get: (_r: unknown, o: PointOrigin) => o.sensor };
const sourceTag = { name: 'source', help: 'What is watched: the interface (live) or the capture file (replay).', get: (_r: unknown, o: PointOrigin) => o.source };

export const ENTROPY: MeasurementSpec<FrameStat> = {
  measurement: 'entropy',
  help: "Peng's port-bitmap entropy of one time frame, both directions.",
  when: 'one point per closed time frame (-timeFrame), stamped with the frame end',
  time: (f) => f.end,
  tags: [sensorTag, sourceTag],
  fields: [
    { name: 'client', type: 'float', unit: '0..2', help: 'Entropy of SYN destination ports towards non-local hosts (Peng CLIENT).', get: (f) => f.client },
    { name: 'server', type: 'float', unit: '0..2', help: 'Entropy of SYN destination ports towards local hosts (Peng SERVER).', get: (f) => f.server },
    { name: 'client_syns', type: 'int', unit: 'packets', help: 'SYNs counted in the CLIENT bitmap during the frame.', get: (f) => f.clientSyns },
    { name: 'server_syns', type: 'int', unit: 'packets', help: 'SYNs counted in the SERVER bitmap during the frame.', get: (f) => f.serverSyns },
    { name: 'frame_seconds', type: 'float', unit: 's', help: 'Length of the frame.', get: (f) => f.end - f.start },
  ],
};

/** Peng 0.1.3's own point, so Peng dashboards keep working: `in` = SERVER, `out` = CLIENT. */
export const PENG_SYSTEM: MeasurementSpec<FrameStat> = {
  measurement: 'system',
  help: "Peng's own point, unchanged (no sensor/source tags), for dashboards built for Peng.",
  when: 'one point per closed time frame, stamped with the frame end',
  optIn: '--influx-peng-compat',
  time: (f) => f.end,
  tags: [{ name: 'entropy', help: 'Always `ports`, as Peng writes it.', get: () => 'ports' }],
  fields: [
    { name: 'in', type: 'float', unit: '0..2', help: 'SERVER entropy (SYNs towards local hosts), as Peng 0.1.3.', get: (f) => f.server },
    { name: 'out', type: 'float', unit: '0..2', help: 'CLIENT entropy (SYNs towards non-local hosts), as Peng 0.1.3.', get: (f) => f.client },
  ],
};

/** An Influx tag value of a scan field: technique's is the main one (most probes). */
function scanTag(f: ScanFieldSpec): TagSpec<ScanEvent> {
  const key = f.key!;
  const get = f.type === 'strings' ? (e: ScanEvent) => String((e[key as keyof ScanEvent] as string[])[0] ?? 'unknown') : (e: ScanEvent) => String(e[key as keyof ScanEvent]);
  return { name: f.name, help: f.help, get };
}

/** An Influx field of a scan field: lists comma-separated, detectors name=score/threshold, absent optional fields left out. */
function scanField(f: ScanFieldSpec): FieldSpec<ScanEvent> {
  const key = f.key as keyof ScanEvent;
  const type: FieldType = f.type === 'int' ? 'int' : f.type === 'float' || f.type === 'time' ? 'float' : 'string';
  let get: (e: ScanEvent) => number | string | undefined;
  if (f.get !== undefined) get = f.get as (e: ScanEvent) => number;
  else if (f.type === 'detectors') get = (e) => e.detectors.map((d) => `${d.name}=${round(d.score)}/${round(d.threshold)}`).join(',');
  else if (f.type === 'strings' || f.type === 'ints') get = (e) => (e[key] as unknown[]).join(',');
  else if (f.absent !== undefined) get = (e) => (e[key] as number | string | undefined) || undefined;
  else get = (e) => e[key] as number | string;
  return { name: f.influxField ?? f.name, type, unit: f.unit, help: f.help, get };
}

/** Derived from the scan field table (sink/scan-fields.ts): its `influx` column says what is a tag and what a field. */
export const SCAN: MeasurementSpec<ScanEvent> = {
  measurement: 'scan',
  help: 'A scan alert: its start, updates while it goes on, and its end.',
  when: 'one point per scan event, stamped with the packet that caused it',
  time: (e) => e.ts,
  tags: [sensorTag, sourceTag, ...SCAN_FIELDS.filter((f) => f.influx === 'tag' || f.influx === 'tag+field').map(scanTag)],
  fields: SCAN_FIELDS.filter((f) => f.influx === 'field' || f.influx === 'tag+field').map(scanField),
};

/**
 * A measurement derived from an event's field table (schema.ts): `ts` is the
 * point's time, tag fields become tags, the rest fields (other times as
 * seconds since the epoch, lists comma-separated, booleans as tags only).
 */
function eventMeasurement<R>(measurement: string, help: string, when: string, table: readonly EventField<R>[]): MeasurementSpec<R> {
  const ts = table.find((f) => f.name === 'ts')!;
  return {
    measurement,
    help,
    when,
    time: (r) => ts.get(r) as number,
    tags: [sensorTag, sourceTag, ...table.filter((f) => f.tag).map((f) => ({ name: f.name, help: f.help, get: (r: R) => String(f.get(r)) }))],
    fields: table
      .filter((f) => !f.tag && f.name !== 'ts')
      .map((f) => ({
        name: f.name,
        type: f.type === 'int' ? 'int' : f.type === 'float' || f.type === 'time' ? 'float' : 'string',
        unit: f.type === 'time' ? 's since epoch' : f.unit,
        help: f.help,
        get: (r: R) => {
          const v = f.get(r);
          return Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? String(v) : v;
        },
      })),
  };
}

export const DISTRIBUTED = eventMeasurement(
  'distributed',
  'Many-to-one: a victim receiving unanswered SYNs from many sources (distributed scan, or SYN flood when `flood` is true).',
  'one point per distributed event (start, update, end), stamped with the packet time of the judgement',
  DISTRIBUTED_FIELDS,
);

export const ENTROPY_EVENT = eventMeasurement(
  'entropy_event',
  "A frame whose entropy rose above its direction's learned baseline by more than k standard deviations.",
  'one point per such frame, stamped with the frame end',
  ENTROPY_EVENT_FIELDS,
);

const C = INFLUX_COUNTERS;

/** A counter from the snapshot, or undefined when no module registered it (kernel figures on replay). */
function counter(...names: string[]): (s: StatsSnapshot) => number | undefined {
  return (s) => {
    let total: number | undefined;
    for (const n of names) {
      const v = s.counters[n];
      if (v !== undefined) total = (total ?? 0) + v;
    }
    return total;
  };
}

export const SENSOR_STATS: MeasurementSpec<StatsSnapshot> = {
  measurement: 'sensor_stats',
  help: 'Sensor health from the counters (running totals since start; use difference() for rates).',
  when: 'one point after every frame (and one at exit), stamped with the packet time it refers to',
  time: (s) => s.ts,
  tags: [sensorTag, sourceTag],
  fields: [
    { name: 'packets_seen', type: 'int', unit: 'packets', help: 'Packets the source handed to the pipeline (`packets.seen`).', get: counter('packets.seen') },
    { name: 'packets_decoded', type: 'int', unit: 'packets', help: 'Packets decoded to IP and given to the detectors (`packets.decoded`).', get: counter('packets.decoded') },
    { name: 'packets_malformed', type: 'int', unit: 'packets', help: 'Damaged packets skipped (`packets.malformed`).', get: counter('packets.malformed') },
    { name: 'syns_counted', type: 'int', unit: 'packets', help: 'SYNs counted in the entropy bitmaps, both directions (`entropy.syn_client` + `entropy.syn_server`).', get: counter('entropy.syn_client', 'entropy.syn_server') },
    { name: 'kernel_dropped', type: 'int', unit: 'packets', help: 'Dropped because the capture buffer was full (`capture.kernel_dropped`; live only, absent on replay).', get: counter('capture.kernel_dropped') },
    { name: 'interface_dropped', type: 'int', unit: 'packets', help: 'Dropped by the interface or driver (`capture.interface_dropped`; live only).', get: counter('capture.interface_dropped') },
    { name: 'influx_written', type: 'int', unit: 'points', help: `Points the database accepted (\`${C.written.name}\`).`, get: counter(C.written.name) },
    { name: 'influx_queued', type: 'int', unit: 'points', help: `Points waiting to be written (\`${C.queued.name}\`).`, get: counter(C.queued.name) },
    { name: 'influx_dropped', type: 'int', unit: 'points', help: `Points lost to a full buffer or a fatal error (\`${C.dropped.name}\`).`, get: counter(C.dropped.name) },
    { name: 'influx_write_errors', type: 'int', unit: 'requests', help: `Failed write requests (\`${C.errors.name}\`).`, get: counter(C.errors.name) },
  ],
};

/** Every measurement, in the order of the docs. */
export const MEASUREMENTS: readonly MeasurementSpec<never>[] = [ENTROPY, PENG_SYSTEM, SCAN, DISTRIBUTED, ENTROPY_EVENT, SENSOR_STATS] as unknown as MeasurementSpec<never>[];

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}

function build<R>(spec: MeasurementSpec<R>, r: R, o: PointOrigin): Point {
  const tags: Record<string, string> = {};
  for (const t of spec.tags) tags[t.name] = t.get(r, o);
  const fields: Record<string, FieldValue> = {};
  for (const f of spec.fields) {
    const v = f.get(r);
    if (v === undefined) continue;
    fields[f.name] = f.type === 'int' ? { int: v as number } : v;
  }
  return { measurement: spec.measurement, tags, fields, time: spec.time(r) };
}

export interface PointOptions {
  readonly origin: PointOrigin;
  /** Also write Peng's `system` point for every frame. */
  readonly pengCompat: boolean;
}

/** The points one record becomes (appended to `out`). */
export function pointsFor(record: SensorRecord, opts: PointOptions, out: Point[] = []): Point[] {
  switch (record.kind) {
    case 'frame':
      out.push(build(ENTROPY, record, opts.origin));
      if (opts.pengCompat) out.push(build(PENG_SYSTEM, record, opts.origin));
      break;
    case 'scan':
      out.push(build(SCAN, record, opts.origin));
      break;
    case 'stats':
      out.push(build(SENSOR_STATS, record, opts.origin));
      break;
    case 'distributed':
      out.push(build(DISTRIBUTED, record, opts.origin));
      break;
    case 'entropy':
      out.push(build(ENTROPY_EVENT, record, opts.origin));
      break;
  }
  return out;
}

/** The schema as markdown tables: the generated part of docs/influx.md. */
export function renderSchemaMarkdown(): string {
  const out: string[] = [];
  for (const m of MEASUREMENTS as readonly MeasurementSpec<unknown>[]) {
    out.push(`### \`${m.measurement}\`${m.optIn ? ` (only with \`${m.optIn}\`)` : ''}`, '', `${m.help} Written ${m.when}.`, '');
    out.push('| | name | type | meaning |', '|---|---|---|---|');
    for (const t of m.tags) out.push(`| tag | \`${t.name}\` | string | ${t.help} |`);
    for (const f of m.fields) out.push(`| field | \`${f.name}\` | ${f.type}${f.unit ? ` (${f.unit})` : ''} | ${f.help} |`);
    out.push('');
  }
  return out.join('\n');
}
