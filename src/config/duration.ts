/**
 * Go-style durations, as Peng's -timeFrame takes them: "30s", "1m", "1h30m",
 * "1.5h", "500ms", "90us". A bare number is read as seconds. Returns seconds,
 * or NaN when the text is not a duration.
 */
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return text;
  const t = text.trim();
  if (/^[0-9]*\.?[0-9]+$/.test(t)) return Number(t);
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    matched = re.lastIndex;
  }
  return matched === t.length && matched > 0 ? total : NaN;
}

/** Seconds back to the shortest Go-style text: 60 -> "1m", 90 -> "1m30s". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  if (seconds < 1) return `${+(seconds * 1000).toFixed(3)}ms`;
  let rest = seconds;
  let out = '';
  const h = Math.floor(rest / 3600);
  if (h) out += `${h}h`;
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  if (m) out += `${m}m`;
  rest -= m * 60;
  if (rest) out += `${+rest.toFixed(3)}s`;
  return out;
}
