import { systemZone, type TzAbbreviations } from './tz-abbrev.js';

/**
 * Time as Go's time.Time.String() prints it, which is what Peng's console and
 * CSV show: "2020-05-12 21:59:23.470892594 +0200 CEST", in local time.
 * Ours is packet time, so a replay prints when the traffic happened.
 */
// Go's zone abbreviation (CEST, BST, IST) from the system's tz data; see tz-abbrev.ts.
let zone: TzAbbreviations | null = null;
const zoneName = (d: Date): string => (zone ??= systemZone()).name(d.getTime() / 1000, -d.getTimezoneOffset());

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** JavaScript's Date holds ±8.64e15 ms (ECMA-262 21.4.1.1); beyond it every getter is NaN and toISOString throws. */
const DATE_LIMIT_S = 8.64e12;

/** Text for a time no calendar can show: never a throw inside an output. */
export function badTime(seconds: number): string {
  return `invalid-time(${seconds}s)`;
}

export function goTime(seconds: number): string {
  if (!(Math.abs(seconds) <= DATE_LIMIT_S)) return badTime(seconds);
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  const d = new Date(whole * 1000);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(Math.min(nanos, 999999999), 9)} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)} ${zoneName(d)}`
  );
}
