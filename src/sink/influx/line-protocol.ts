/**
 * InfluxDB line protocol, the one text format both writers send (v2 `/api/v2/write`
 * through the official client, v1 `/write` through our own request). Escaping
 * follows the line protocol reference (and the official client's `escape`):
 * measurement escapes comma and space; tag keys, tag values and field keys
 * escape comma, equals and space; string field values are double-quoted with
 * backslash and double quote escaped. A backslash elsewhere is literal, except
 * at the very end of a tag value, where it would escape the separator after
 * it: that one is dropped. Control characters (newline, tab) cannot be sent
 * anywhere, so they become a space.
 */

/** A field value: a float, an integer (`{ int: n }`, written `ni`), a string or a boolean. */
export type FieldValue = number | { readonly int: number } | string | boolean;

/** One point before it becomes a line: what points.ts builds from a record. */
export interface Point {
  readonly measurement: string;
  /** Tag key to value; empty values are left out (line protocol forbids them). */
  readonly tags: Readonly<Record<string, string>>;
  /** Field key to value; at least one must survive (non-finite floats are left out). */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Packet time in seconds since the epoch. */
  readonly time: number;
}

/** Timestamps are sent in microseconds: packet time has µs resolution, and 1.7e15 is well under 2^53. */
export const PRECISION = 'us';

const CONTROL = /[\x00-\x1f\x7f]+/g;

export function escapeMeasurement(s: string): string {
  return s.replace(CONTROL, ' ').replace(/\\+$/, '').replace(/[, ]/g, (c) => `\\${c}`);
}

export function escapeKey(s: string): string {
  return s.replace(CONTROL, ' ').replace(/\\+$/, '').replace(/[,= ]/g, (c) => `\\${c}`);
}

export function escapeString(s: string): string {
  return s.replace(CONTROL, ' ').replace(/["\\]/g, (c) => `\\${c}`);
}

function fieldText(v: FieldValue): string | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    // Integral floats keep a float type on the wire (a bare `1` is a float in
    // line protocol too, but spell it out so a reader never guesses).
    return Number.isInteger(v) ? `${v}.0` : String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return `"${escapeString(v)}"`;
  if (!Number.isFinite(v.int)) return null;
  return `${Math.trunc(v.int)}i`;
}

/** Microseconds since the epoch, as an integer string. */
export function timestampMicros(seconds: number): string {
  const us = Math.round(seconds * 1e6);
  // Past 2^63 ns String() would print an exponent: clamp to what InfluxDB stores (int64 ns).
  if (!(us >= -9.223372036854775e15)) return '-9223372036854775';
  if (us > 9.223372036854775e15) return '9223372036854775';
  return String(us);
}

/** One line (no trailing newline), or null when no field is writable. */
export function toLine(p: Point): string | null {
  let line = escapeMeasurement(p.measurement);
  for (const k of Object.keys(p.tags).sort()) {
    const v = escapeKey(p.tags[k]);
    if (v === '') continue;
    line += `,${escapeKey(k)}=${v}`;
  }
  let sep = ' ';
  let any = false;
  for (const k of Object.keys(p.fields)) {
    const t = fieldText(p.fields[k]);
    if (t === null) continue;
    line += `${sep}${escapeKey(k)}=${t}`;
    sep = ',';
    any = true;
  }
  if (!any) return null;
  return `${line} ${timestampMicros(p.time)}`;
}
