import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Time-zone abbreviations (`CEST`, `BST`, `IST`) as Go prints them in
 * time.Time.String(), read from the system's TZif files (RFC 8536) the way Go's
 * time.LoadLocation does: Intl only offers `GMT+2` for en-US, and other locales
 * give long or localised names. The UTC offset itself still comes from Date;
 * this only names it.
 *
 * Lookup is a binary search over the transition times with the last answer
 * cached (consecutive packet times fall in the same interval), no allocation.
 * Times after the last transition take the names of the file's POSIX TZ footer
 * (`CET-1CEST,M3.5.0,M10.5.0/3`), matched by offset.
 */
export class TzAbbreviations {
  /** Transition times, seconds since the epoch, ascending. */
  private readonly at: Float64Array;
  /** Local time type index in effect from at[i]. */
  private readonly typeAt: Uint8Array;
  private readonly utoff: Int32Array;
  private readonly names: string[];
  /** Footer (POSIX TZ) names with their UTC offsets in seconds, for times past the table. */
  private readonly rule: { name: string; utoff: number }[];
  private lastLo = Infinity;
  private lastHi = -Infinity;
  private lastType = -1;

  constructor(tzif: Buffer | null, posix = '') {
    const t = tzif ? parseTzif(tzif) : null;
    this.at = t?.at ?? new Float64Array(0);
    this.typeAt = t?.typeAt ?? new Uint8Array(0);
    this.utoff = t?.utoff ?? new Int32Array(0);
    this.names = t?.names ?? [];
    this.rule = parsePosixNames(t?.footer || posix);
  }

  /** Abbreviation in effect at `seconds` whose UTC offset is `offsetMinutes` (east positive); '' if none fits. */
  name(seconds: number, offsetMinutes: number): string {
    if (!Number.isFinite(seconds)) return '';
    const off = offsetMinutes * 60;
    let type = -1;
    if (seconds >= this.lastLo && seconds < this.lastHi) type = this.lastType;
    else if (this.rule.length > 0 && this.at.length > 0 && seconds >= this.at[this.at.length - 1]) type = -1;
    else type = this.lookup(seconds);
    if (type >= 0 && near(this.utoff[type], off)) return this.names[type];
    for (let i = 0; i < this.rule.length; i++) if (near(this.rule[i].utoff, off)) return this.rule[i].name;
    // An offset the table gives elsewhere (e.g. a Date beyond the table's range).
    for (let i = this.utoff.length - 1; i >= 0; i--) if (near(this.utoff[i], off)) return this.names[i];
    return '';
  }

  private lookup(seconds: number): number {
    const at = this.at;
    if (at.length === 0 || seconds < at[0]) {
      // RFC 8536 3.2: before the first transition, local time type 0.
      this.remember(-Infinity, at.length ? at[0] : Infinity, this.utoff.length ? 0 : -1);
      return this.lastType;
    }
    let lo = 0;
    let hi = at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (at[mid] <= seconds) lo = mid;
      else hi = mid - 1;
    }
    this.remember(at[lo], lo + 1 < at.length ? at[lo + 1] : Infinity, this.typeAt[lo]);
    return this.lastType;
  }

  private remember(lo: number, hi: number, type: number): void {
    this.lastLo = lo;
    this.lastHi = hi;
    this.lastType = type;
  }
}

/** Date gives whole minutes; old local mean times have seconds (Kolkata 1900: +05:21:10). */
function near(utoff: number, offSeconds: number): boolean {
  return utoff - offSeconds < 60 && offSeconds - utoff < 60;
}

interface Tzif {
  at: Float64Array;
  typeAt: Uint8Array;
  utoff: Int32Array;
  names: string[];
  footer: string;
}

/** RFC 8536: the version 2+ block (64-bit times) when present, else version 1. */
export function parseTzif(b: Buffer): Tzif | null {
  if (b.length < 44 || b.toString('latin1', 0, 4) !== 'TZif') return null;
  const counts = (o: number) => ({
    isut: b.readUInt32BE(o + 20),
    isstd: b.readUInt32BE(o + 24),
    leap: b.readUInt32BE(o + 28),
    time: b.readUInt32BE(o + 32),
    type: b.readUInt32BE(o + 36),
    char: b.readUInt32BE(o + 40),
  });
  let c = counts(0);
  let o = 44;
  let timeSize = 4;
  const v1Len = c.time * 5 + c.type * 6 + c.char + c.leap * 8 + c.isstd + c.isut;
  if (b[4] >= 0x32 && b.length >= 44 + v1Len + 44) {
    o = 44 + v1Len;
    c = counts(o);
    o += 44;
    timeSize = 8;
  }
  const need = c.time * (timeSize + 1) + c.type * 6 + c.char + c.leap * (timeSize + 4) + c.isstd + c.isut;
  if (c.type === 0 || o + need > b.length) return null;
  const at = new Float64Array(c.time);
  for (let i = 0; i < c.time; i++) at[i] = timeSize === 8 ? Number(b.readBigInt64BE(o + i * 8)) : b.readInt32BE(o + i * 4);
  o += c.time * timeSize;
  const typeAt = new Uint8Array(b.subarray(o, o + c.time));
  o += c.time;
  const utoff = new Int32Array(c.type);
  const idx: number[] = [];
  for (let i = 0; i < c.type; i++) {
    utoff[i] = b.readInt32BE(o + i * 6);
    idx.push(b[o + i * 6 + 5]);
  }
  o += c.type * 6;
  const chars = b.subarray(o, o + c.char);
  const names = idx.map((k) => {
    const end = chars.indexOf(0, k);
    return chars.toString('latin1', k, end < 0 ? chars.length : end);
  });
  o += c.char + c.leap * (timeSize + 4) + c.isstd + c.isut;
  let footer = '';
  if (timeSize === 8 && b[o] === 0x0a) {
    const end = b.indexOf(0x0a, o + 1);
    if (end > o) footer = b.toString('latin1', o + 1, end);
  }
  return { at, typeAt, utoff, names, footer };
}

/** Names and offsets of a POSIX TZ string (`CET-1CEST,...`, `<+0530>-5:30`, `EST5EDT`). */
export function parsePosixNames(tz: string): { name: string; utoff: number }[] {
  const m = /^(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,3}(?::\d{1,2}){0,2})(?:(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,3}(?::\d{1,2}){0,2})?)?/.exec(tz);
  if (!m) return [];
  const name = (s: string) => s.replace(/^<|>$/g, '');
  const secs = (s: string) => {
    const neg = s.startsWith('-');
    const [h, mi = '0', se = '0'] = s.replace(/^[+-]/, '').split(':');
    return (neg ? -1 : 1) * (Number(h) * 3600 + Number(mi) * 60 + Number(se));
  };
  // POSIX offsets are west-positive; UTC offsets east-positive.
  const std = -secs(m[2]);
  const out = [{ name: name(m[1]), utoff: std }];
  if (m[3]) out.push({ name: name(m[3]), utoff: m[4] ? -secs(m[4]) : std + 3600 });
  return out;
}

/**
 * The zone this process prints times in, found as Go and glibc find it: TZ
 * unset is /etc/localtime; TZ="" (or "UTC") is UTC; TZ=Area/City (optionally
 * `:`-prefixed) is that file under TZDIR or /usr/share/zoneinfo; a POSIX
 * string with no such file names itself.
 */
export function systemZone(env: NodeJS.ProcessEnv = process.env): TzAbbreviations {
  const tz = env.TZ;
  if (tz === undefined) return new TzAbbreviations(readOrNull('/etc/localtime'), 'UTC0');
  const spec = tz.startsWith(':') ? tz.slice(1) : tz;
  if (spec === '') return new TzAbbreviations(null, 'UTC0');
  const file = spec.startsWith('/') ? spec : join(env.TZDIR || '/usr/share/zoneinfo', spec);
  return new TzAbbreviations(spec.includes('..') ? null : readOrNull(file), spec);
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
