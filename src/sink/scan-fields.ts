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
  | 'udp'
  | 'ping'
  | 'sctp-init'
  | 'sctp-cookie'
  | 'ipproto'
  | 'os';

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

/**
 * The scan event, declared once: one row per field, in the order JSON Lines
 * keys and CSV columns are written. The ScanEvent type (below), the JSON Lines
 * object, the CSV columns, the InfluxDB `scan` point, the syslog structured
 * data, the ECS document's `peng_ts.scan` and the test parser
 * (test/helpers/scan-lab.ts) are all derived from this table
 * (sink/scan-projection.ts, sink/influx/points.ts).
 *
 * JSON Lines and CSV carry every row with a `key`. Where another output
 * differs, the row says so:
 * - `influx`: 'tag', 'field', 'tag+field' (technique: the main one as a tag,
 *   all of them as a field) or absent (not written: the point's time, samples);
 * - `syslog: 'header'`: in the message header, not the structured data;
 *   `syslog: 'last'`: written after the other parameters;
 * - `ecs: 'header'`: the document's `@timestamp`, not under `peng_ts.scan`;
 * - `absent`: the field is optional on the event; outputs write this value
 *   when it is missing (Influx leaves the field out).
 * A row without `key` is computed from the others and written to Influx only.
 */

export type ScanFieldType = 'time' | 'int' | 'float' | 'string' | 'strings' | 'ints' | 'detectors';

export interface ScanFieldSpec {
  /** The ScanEvent property (camelCase); none for a computed Influx-only field. */
  readonly key?: string;
  /** snake_case: JSON Lines key, CSV column, syslog SD-PARAM, Influx tag or field. */
  readonly name: string;
  /** time: packet time in seconds on the event, ISO 8601 in text outputs. */
  readonly type: ScanFieldType;
  readonly unit?: string;
  readonly help: string;
  /** Optional on the event: the value outputs write when it is missing. */
  readonly absent?: string | number | readonly never[];
  /** strings: written as a plain string when there is exactly one (JSON Lines technique). */
  readonly oneAsString?: true;
  readonly influx?: 'tag' | 'field' | 'tag+field';
  /** The Influx field's name when it is not `name` (tag+field: the field). */
  readonly influxField?: string;
  readonly syslog?: 'header' | 'last';
  readonly ecs?: 'header';
  /** A computed field's value. */
  readonly get?: (e: never) => number;
}

/** A row, with the type of its value on the event (a phantom: never set). */
type Row<V> = ScanFieldSpec & { readonly __value?: V };
function row<V>() {
  return <const S extends ScanFieldSpec>(s: S): S & Row<V> => s;
}

export const SCAN_FIELDS = Object.freeze([
  row<number>()({ key: 'ts', name: 'ts', type: 'time', unit: 's', help: 'Packet time of the event.', syslog: 'header', ecs: 'header' }),
  row<'start' | 'update' | 'end'>()({ key: 'event', name: 'event', type: 'string', influx: 'tag', help: 'start (once), update (while it goes on), end (idle or end of input).' }),
  row<string>()({ key: 'id', name: 'id', type: 'string', influx: 'field', help: 'Stable id of the scan, the same on its start, updates and end.' }),
  row<string>()({ key: 'scanner', name: 'scanner', type: 'string', influx: 'tag', help: 'Scanning source address as text (Influx: one series per scanner, see "Cardinality" in docs/influx.md).' }),
  row<Technique[]>()({
    key: 'technique',
    name: 'technique',
    type: 'strings',
    oneAsString: true,
    influx: 'tag+field',
    influxField: 'techniques',
    help: 'Techniques seen, most probes first: syn, connect, fin, null, xmas, ack, maimon, window, udp... (Influx: the main one as the tag, all comma-separated as the field).',
  }),
  row<ScanPattern>()({ key: 'pattern', name: 'pattern', type: 'string', influx: 'tag', help: 'vertical (one host, many ports), horizontal (many hosts, one port) or block.' }),
  row<ScanTool>()({ key: 'tool', name: 'tool', type: 'string', influx: 'tag', help: 'nmap, masscan, zmap or unknown.' }),
  row<string>()({ key: 'toolEvidence', name: 'tool_evidence', type: 'string', influx: 'field', help: 'Why the tool was named (fingerprint evidence), empty when unknown.' }),
  row<number>()({ key: 'targets', name: 'targets', type: 'int', unit: 'hosts', influx: 'field', help: 'Distinct destination hosts probed so far.' }),
  row<number>()({ key: 'ports', name: 'ports', type: 'int', unit: 'ports', influx: 'field', help: 'Distinct destination ports probed so far.' }),
  row<number>()({ key: 'probes', name: 'probes', type: 'int', unit: 'packets', influx: 'field', help: 'Probes sent so far (first contacts and stealth probes).' }),
  row<number>()({ key: 'failures', name: 'failures', type: 'int', unit: 'probes', influx: 'field', help: 'Probes that failed (RST, ICMP unreachable, no answer).' }),
  row<number>()({ key: 'probesToDetect', name: 'probes_to_detect', type: 'int', unit: 'probes', influx: 'field', help: 'Probes seen from the source before it was judged a scanner.' }),
  row<number>()({ key: 'firstSeen', name: 'first_seen', type: 'time', unit: 's', help: 'Packet time of the first probe.' }),
  row<number>()({ key: 'lastSeen', name: 'last_seen', type: 'time', unit: 's', help: 'Packet time of the latest probe.' }),
  row<never>()({
    name: 'duration',
    type: 'float',
    unit: 's',
    influx: 'field',
    help: 'Last probe minus first probe, packet time.',
    get: (e: { firstSeen: number; lastSeen: number }) => e.lastSeen - e.firstSeen,
  }),
  row<DetectorScore[]>()({
    key: 'detectors',
    name: 'detectors',
    type: 'detectors',
    influx: 'field',
    syslog: 'last',
    help: 'The detectors that fired, with their score and the threshold it crossed (JSON objects; CSV name:score/threshold; Influx name=score/threshold).',
  }),
  row<number[]>()({ key: 'samplePorts', name: 'sample_ports', type: 'ints', help: 'Up to 20 destination ports probed.' }),
  row<string[]>()({ key: 'sampleTargets', name: 'sample_targets', type: 'strings', help: 'Up to 20 destination hosts probed.' }),
  row<string>()({
    key: 'group',
    name: 'group',
    type: 'string',
    absent: '',
    influx: 'field',
    help: 'Decoy group (nmap -D): sources whose probes hit the same victims and ports at the same instants with the same fingerprint share this id; empty when the source is linked to no other (Influx: left out).',
  }),
  row<number>()({ key: 'groupSources', name: 'group_sources', type: 'int', unit: 'hosts', absent: 0, influx: 'field', help: 'Apparent sources in the decoy group, 0 when none (Influx: left out).' }),
  row<EvasionKind[]>()({ key: 'evasion', name: 'evasion', type: 'strings', absent: [], help: 'Evasion seen on the probes: fragments (tiny or overlapping IP fragments, RFC 1858, RFC 3128); empty when none.' }),
] as const);

type Field = (typeof SCAN_FIELDS)[number];
type EventRow = Extract<Field, { readonly key: string }>;
type ValueOf<F> = F extends { readonly __value?: infer V } ? V : never;

/** A scan's life: `start` once, `update` while it goes on, `end` when idle or at end of input (fields: SCAN_FIELDS). */
export type ScanEvent = { kind: 'scan' } & { -readonly [F in EventRow as F extends { absent: unknown } ? never : F['key']]: ValueOf<F> } & {
  -readonly [F in EventRow as F extends { absent: unknown } ? F['key'] : never]?: ValueOf<F>;
};

type JsonOf<F> = F extends { type: 'time' }
  ? string
  : F extends { type: 'detectors' }
    ? DetectorScore[]
    : F extends { oneAsString: true }
      ? string | string[]
      : F extends { type: 'strings' }
        ? string[]
        : ValueOf<F>;

/** The scan event as written to JSON Lines: snake_case keys in table order, times as ISO 8601 of packet time. */
export type AlertRecord = { -readonly [F in EventRow as F['name']]: JsonOf<F> };
