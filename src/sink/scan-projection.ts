import { SCAN_FIELDS, type AlertRecord, type ScanEvent, type ScanFieldSpec } from './scan-fields.js';
import { isoTime } from './schema.js';

/**
 * The outputs' forms of a scan event, each read from the one field table
 * (scan-fields.ts): the JSON Lines object (also ECS's `peng_ts.scan` and the
 * syslog structured data), the CSV columns and cells, and the way back from
 * JSON for readers of our own output (the test lab).
 */

/** The rows that are properties of the event (all but computed Influx fields), in table order. */
export const SCAN_EVENT_FIELDS: readonly ScanFieldSpec[] = SCAN_FIELDS.filter((f) => f.key !== undefined);

/** Scan columns of the CSV: the JSON Lines keys, in the same order. */
export const SCAN_COLUMNS: readonly (keyof AlertRecord)[] = SCAN_EVENT_FIELDS.map((f) => f.name as keyof AlertRecord);

function valueOf(f: ScanFieldSpec, e: ScanEvent): unknown {
  return (e as unknown as Record<string, unknown>)[f.key!];
}

/** A field's JSON value: times as ISO 8601, lists copied, an absent optional field as its `absent` value. */
function jsonValue(f: ScanFieldSpec, e: ScanEvent): unknown {
  const v = valueOf(f, e) ?? f.absent;
  switch (f.type) {
    case 'time':
      return isoTime(v as number);
    case 'strings':
    case 'ints': {
      const a = v as readonly (string | number)[];
      return f.oneAsString && a.length === 1 ? a[0] : [...a];
    }
    case 'detectors':
      return (v as ScanEvent['detectors']).map((d) => ({ name: d.name, score: d.score, threshold: d.threshold }));
    default:
      return v;
  }
}

/** The JSON Lines object of a scan event (keys in table order). */
export function alertRecord(e: ScanEvent): AlertRecord {
  const out: Record<string, unknown> = {};
  for (const f of SCAN_EVENT_FIELDS) out[f.name] = jsonValue(f, e);
  return out as AlertRecord;
}

/** ECS `peng_ts.scan`: the JSON Lines object without the fields the document has in its header (`ts`: @timestamp). */
export function ecsScanRecord(e: ScanEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of SCAN_EVENT_FIELDS) if (f.ecs !== 'header') out[f.name] = jsonValue(f, e);
  return out;
}

/**
 * Syslog structured-data parameters: the JSON Lines fields but those in the
 * message header (`ts`), `last` ones at the end, detectors as name:score/threshold.
 */
export function syslogScanParams(e: ScanEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const last: ScanFieldSpec[] = [];
  for (const f of SCAN_EVENT_FIELDS) {
    if (f.syslog === 'header') continue;
    if (f.syslog === 'last') last.push(f);
    else out[f.name] = jsonValue(f, e);
  }
  for (const f of last) {
    out[f.name] = f.type === 'detectors' ? e.detectors.map((d) => `${d.name}:${d.score}/${d.threshold}`) : jsonValue(f, e);
  }
  return out;
}

/**
 * One CSV cell per scan column; lists are joined with spaces (technique
 * `syn fin`, ports `22 80`), detectors as `name:score/threshold` (score to 6 digits).
 */
export function scanCells(a: AlertRecord): (string | number)[] {
  return SCAN_EVENT_FIELDS.map((f) => {
    const v = (a as unknown as Record<string, unknown>)[f.name];
    if (f.type === 'detectors') return a.detectors.map((d) => `${d.name}:${+d.score.toPrecision(6)}/${d.threshold}`).join(' ');
    if (Array.isArray(v)) return v.join(' ');
    return v as string | number;
  });
}

/** Seconds since the epoch from an ISO 8601 text (sub-millisecond digits kept) or a number; NaN otherwise. */
export function secondsOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) {
      const frac = /\.(\d+)/.exec(v)?.[1];
      return frac && frac.length > 3 ? Math.floor(ms / 1000) + Number(`0.${frac}`) : ms / 1000;
    }
  }
  return NaN;
}

function listOf(v: unknown, each: (x: unknown) => unknown): unknown[] {
  if (Array.isArray(v)) return v.map(each);
  if (typeof v === 'string') return v.split(/[,+ ]+/).filter(Boolean).map(each);
  return [];
}

/**
 * A scan event back from one of our JSON objects (JSON Lines form with
 * snake_case keys, or the event's own camelCase keys), or null when the object
 * is not a scan event. For readers of our output (the test lab); values are
 * taken as written, not validated.
 */
export function scanEventFromJson(o: Record<string, unknown>): ScanEvent | null {
  if (typeof o.event !== 'string' || o.scanner === undefined) return null;
  const out: Record<string, unknown> = { kind: 'scan' };
  for (const f of SCAN_EVENT_FIELDS) {
    const v = o[f.name] ?? o[f.key!];
    if (v === undefined && f.absent !== undefined) continue;
    switch (f.type) {
      case 'time':
        out[f.key!] = secondsOf(v);
        break;
      case 'int':
      case 'float':
        out[f.key!] = Number(v);
        break;
      case 'string':
        out[f.key!] = String(v);
        break;
      case 'strings':
        out[f.key!] = listOf(v, String);
        break;
      case 'ints':
        out[f.key!] = listOf(v, Number);
        break;
      case 'detectors':
        out[f.key!] = Array.isArray(v) ? v : [];
        break;
    }
  }
  return out as ScanEvent;
}
