/**
 * Every record the sensor emits, defined once. The CSV columns, the JSON Lines
 * keys and the InfluxDB points are all derived from these declarations.
 * Times are packet time in seconds since the epoch (a double), never wall clock.
 */

/** One closed time frame of Peng's port-bitmap entropy. */
export interface FrameStat {
  kind: 'frame';
  /** Frame start (inclusive), packet time, seconds. */
  start: number;
  /** Frame end (exclusive), packet time, seconds: the frame's timestamp. */
  end: number;
  /** Total entropy of SYNs towards non-local destinations, 0..2 (Peng's CLIENT, Influx `out`). */
  client: number;
  /** Total entropy of SYNs towards local destinations, 0..2 (Peng's SERVER, Influx `in`). */
  server: number;
  /** SYNs counted in the frame, per direction. */
  clientSyns: number;
  serverSyns: number;
  /** Per-bin entropies (B values each), for verbose output. */
  clientBins: number[];
  serverBins: number[];
  /** Bitmap words (bits set per bin as a 0/1 string per bin), only filled at verbose 3. */
  clientBitmap: string[] | null;
  serverBitmap: string[] | null;
}

/** The scan event's vocabulary is declared with its fields (scan-fields.ts). */
export type { DetectorScore, EvasionKind, ScanPattern, ScanTool, Technique } from './scan-fields.js';

/** A scan's life, its fields declared once in scan-fields.ts (the type is derived from that table). */
export type { ScanEvent } from './scan-fields.js';
import type { ScanEvent } from './scan-fields.js';

/**
 * Many-to-one: one destination receiving unanswered SYNs from many sources
 * (a distributed scan, or a SYN flood when few ports take most of them).
 * The same start/update/end life as a scan.
 */
export interface DistributedEvent {
  kind: 'distributed';
  /** Packet time of the event, seconds. */
  ts: number;
  event: 'start' | 'update' | 'end';
  /** Stable id: `<victim>-<first judged window start, ms>`. */
  id: string;
  /** The destination address as text. */
  victim: string;
  /** Distinct sources of SYNs to the victim since the episode began (HyperLogLog estimate). */
  sources: number;
  /** Distinct destination ports of those SYNs (HyperLogLog estimate). */
  ports: number;
  /** Unanswered SYNs per second since the first SYN of the latest judged windows. */
  rate: number;
  /** SYNs (without ACK) to the victim since the episode began. */
  syns: number;
  /** Of those, handshakes never completed by the client (no answer, RST, or given up). */
  unanswered: number;
  /** True when a few ports (flood-ports) take at least flood-share of the SYNs. */
  flood: boolean;
  /** The ports taking most SYNs (heavy hitters), most first. */
  topPorts: number[];
  /** Packet time of the episode's first and latest SYN, seconds. */
  firstSeen: number;
  lastSeen: number;
}

/**
 * Peng's advice automated: one time frame whose entropy is above the learned
 * baseline of its direction by more than k standard deviations.
 */
export interface EntropyEvent {
  kind: 'entropy';
  /** End of the frame, packet time, seconds. */
  ts: number;
  /** CLIENT (SYNs towards non-local hosts) or SERVER (towards local hosts). */
  direction: 'client' | 'server';
  /** The frame's total entropy, 0..2. */
  value: number;
  /** Learned mean (EWMA) before this frame. */
  baseline: number;
  /** Learned standard deviation (EWMA of the variance, floored at entropy-min-sigma). */
  sigma: number;
  /** baseline + k * sigma: what the value crossed. */
  threshold: number;
  /** Frames learned so far (at least the warm-up). */
  frames: number;
}

/** Sensor health, from the counters (see stats/counters.ts). */
export interface StatsSnapshot {
  kind: 'stats';
  /** Packet time the snapshot refers to, seconds. */
  ts: number;
  /** Counter name (e.g. `decode.truncated`) to value. */
  counters: Record<string, number>;
}

export type SensorRecord = FrameStat | ScanEvent | StatsSnapshot | DistributedEvent | EntropyEvent;

/** Event records beside scans, each with one field table below. */
export type ExtraEvent = DistributedEvent | EntropyEvent;

/**
 * One output field of an event record, declared once: the JSON Lines key, the
 * CSV column, the InfluxDB tag or field and the console text are all derived
 * from these tables (sink/event-projection.ts).
 */
export interface EventField<R> {
  /** snake_case name: JSON key, CSV column, Influx field or tag. */
  readonly name: string;
  readonly type: 'time' | 'string' | 'int' | 'float' | 'bool' | 'ints';
  readonly unit?: string;
  readonly help: string;
  /** An InfluxDB tag rather than a field (low cardinality, or the series' subject). */
  readonly tag?: boolean;
  /** Shown on the console line. */
  readonly console?: boolean;
  readonly get: (r: R) => number | string | boolean | number[];
}

export const DISTRIBUTED_FIELDS: readonly EventField<DistributedEvent>[] = [
  { name: 'ts', type: 'time', help: 'Packet time of the event.', get: (e) => e.ts },
  { name: 'event', type: 'string', tag: true, console: true, help: 'start, update or end.', get: (e) => e.event },
  { name: 'id', type: 'string', help: 'Stable id of the episode, the same on its start, updates and end.', get: (e) => e.id },
  { name: 'victim', type: 'string', tag: true, console: true, help: 'The destination receiving unanswered SYNs from many sources.', get: (e) => e.victim },
  { name: 'sources', type: 'int', unit: 'hosts', console: true, help: 'Distinct sources of SYNs to the victim (HyperLogLog estimate, about 3%).', get: (e) => e.sources },
  { name: 'ports', type: 'int', unit: 'ports', console: true, help: 'Distinct destination ports of those SYNs (HyperLogLog estimate).', get: (e) => e.ports },
  { name: 'rate', type: 'float', unit: 'SYN/s', console: true, help: 'Unanswered SYNs per second since the first SYN of the judged windows (current and previous).', get: (e) => e.rate },
  { name: 'syns', type: 'int', unit: 'packets', console: true, help: 'SYNs to the victim since the episode began.', get: (e) => e.syns },
  { name: 'unanswered', type: 'int', unit: 'packets', console: true, help: 'SYNs whose handshake the client never completed (no answer, RST, gave up).', get: (e) => e.unanswered },
  { name: 'flood', type: 'bool', tag: true, console: true, help: 'A few ports take most SYNs: a SYN flood rather than a distributed scan.', get: (e) => e.flood },
  { name: 'top_ports', type: 'ints', console: true, help: 'Ports taking most SYNs, most first.', get: (e) => e.topPorts },
  { name: 'first_seen', type: 'time', help: 'Packet time of the episode\'s first SYN.', get: (e) => e.firstSeen },
  { name: 'last_seen', type: 'time', help: 'Packet time of the latest SYN.', get: (e) => e.lastSeen },
];

export const ENTROPY_EVENT_FIELDS: readonly EventField<EntropyEvent>[] = [
  { name: 'ts', type: 'time', help: 'End of the frame (packet time).', get: (e) => e.ts },
  { name: 'direction', type: 'string', tag: true, console: true, help: 'client (SYNs to non-local hosts) or server (to local hosts).', get: (e) => e.direction },
  { name: 'value', type: 'float', unit: '0..2', console: true, help: 'The frame\'s total entropy.', get: (e) => e.value },
  { name: 'baseline', type: 'float', unit: '0..2', console: true, help: 'Learned mean entropy of the direction (EWMA) before this frame.', get: (e) => e.baseline },
  { name: 'sigma', type: 'float', console: true, help: 'Learned standard deviation (EWMA), floored at --entropy-min-sigma.', get: (e) => e.sigma },
  { name: 'threshold', type: 'float', console: true, help: 'baseline + k * sigma, the value crossed.', get: (e) => e.threshold },
  { name: 'frames', type: 'int', unit: 'frames', help: 'Frames learned so far.', get: (e) => e.frames },
];

/** The field table of each extra event kind. */
export const EVENT_FIELDS: { readonly [K in ExtraEvent['kind']]: readonly EventField<Extract<ExtraEvent, { kind: K }>>[] } = {
  distributed: DISTRIBUTED_FIELDS,
  entropy: ENTROPY_EVENT_FIELDS,
};

/** ISO 8601 (UTC, milliseconds) of a packet time in seconds. */
export function isoTime(seconds: number): string {
  const d = new Date(Math.round(seconds * 1000));
  // Outside Date's range (or NaN) toISOString throws: say so instead (the pipeline skips such packets).
  return Number.isNaN(d.getTime()) ? `invalid-time(${seconds}s)` : d.toISOString();
}
