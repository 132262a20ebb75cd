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

/** Scan techniques as named in alerts. */
export type Technique =
  | 'syn'
  | 'connect'
  | 'fin'
  | 'null'
  | 'xmas'
  | 'ack'
  | 'maimon'
  | 'window'
  | 'udp';

/** Shape of a scan: one host many ports, many hosts one port, or many of both. */
export type ScanPattern = 'vertical' | 'horizontal' | 'block';

export type ScanTool = 'nmap' | 'masscan' | 'zmap' | 'unknown';

/** Evasion evidence on a scan's probes: `fragments` = tiny or overlapping IP fragments (RFC 1858, RFC 3128). */
export type EvasionKind = 'fragments';

/** One detector's part in a decision. */
export interface DetectorScore {
  /** Detector name, e.g. `trw`, `stealth`, `slow`, `udp`. */
  name: string;
  /** Its score at decision time (likelihood ratio, count, ratio to forecast...). */
  score: number;
  /** The threshold it crossed. */
  threshold: number;
}

/** A scan's life: `start` once, `update` while it goes on, `end` when idle or at end of input. */
export interface ScanEvent {
  kind: 'scan';
  /** Packet time of the event, seconds. */
  ts: number;
  event: 'start' | 'update' | 'end';
  /** Stable id of this scan (same for its start, updates and end). */
  id: string;
  /** Scanning source address as text. */
  scanner: string;
  /** Techniques seen, most probes first. */
  technique: Technique[];
  pattern: ScanPattern;
  tool: ScanTool;
  /** Why the tool was named (fingerprint evidence), empty when unknown. */
  toolEvidence: string;
  /** Distinct destination hosts probed. */
  targets: number;
  /** Distinct destination ports probed. */
  ports: number;
  /** Probes sent (first contacts and stealth probes). */
  probes: number;
  /** Probes that failed (RST, ICMP unreachable, no answer). */
  failures: number;
  /** Probes seen from this source before it was judged a scanner. */
  probesToDetect: number;
  /** Packet time of the first probe and of the latest one, seconds. */
  firstSeen: number;
  lastSeen: number;
  /** The detectors that fired and their scores. */
  detectors: DetectorScore[];
  /** Up to 20 ports and 20 hosts probed. */
  samplePorts: number[];
  sampleTargets: string[];
  /** Evasion seen on the probes (empty or absent when none). */
  evasion?: EvasionKind[];
}

/** Sensor health, from the counters (see stats/counters.ts). */
export interface StatsSnapshot {
  kind: 'stats';
  /** Packet time the snapshot refers to, seconds. */
  ts: number;
  /** Counter name (e.g. `decode.truncated`) to value. */
  counters: Record<string, number>;
}

export type SensorRecord = FrameStat | ScanEvent | StatsSnapshot;

/** ISO 8601 (UTC, milliseconds) of a packet time in seconds. */
export function isoTime(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}
