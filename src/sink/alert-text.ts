import type { ScanEvent } from './schema.js';
import { isoTime } from './schema.js';

/** Seconds as a short human duration: 0.4s, 12s, 3m05s, 1h02m. */
function span(seconds: number): string {
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds - 60 * m)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function score(n: number): string {
  if (n >= 1e6) return n.toExponential(1);
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/**
 * One console line per scan event, e.g.
 * `[2009-01-03T18:58:34.959Z] SCAN start 192.168.1.10 syn vertical nmap: 1 host, 5 ports, 5 probes (0 failed) in 0.0s, named after 5 probes by fingerprint 5>=3 [id 192.168.1.10-1231009114958]`
 * Fixed order, so the lines grep and diff well: time, event, scanner,
 * technique(s), pattern, tool, counts, decision, detectors, id.
 */
export function formatScanEvent(e: ScanEvent): string {
  const hosts = `${e.targets} host${e.targets === 1 ? '' : 's'}`;
  const ports = `${e.ports} port${e.ports === 1 ? '' : 's'}`;
  const dets = e.detectors.map((d) => `${d.name} ${score(d.score)}>=${score(d.threshold)}`).join(', ');
  const tool = e.tool === 'unknown' ? '' : ` ${e.tool}`;
  return (
    `[${isoTime(e.ts)}] SCAN ${e.event} ${e.scanner} ${e.technique.join('+')} ${e.pattern}${tool}: ` +
    `${hosts}, ${ports}, ${e.probes} probes (${e.failures} failed) in ${span(e.lastSeen - e.firstSeen)}, ` +
    `named after ${e.probesToDetect} probes by ${dets || 'none'} [id ${e.id}]`
  );
}
