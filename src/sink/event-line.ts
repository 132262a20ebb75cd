import type { SensorRecord } from './schema.js';
import { isoTime } from './schema.js';

/** One console line per scan event. */
export function formatScanEventLine(r: SensorRecord): string | null {
  if (r.kind !== 'scan') return null;
  return `[${isoTime(r.ts)}] SCAN ${r.event} ${r.id} ${r.scanner} ${r.technique.join('+')} ${r.pattern} tool=${r.tool} targets=${r.targets} ports=${r.ports} probes=${r.probes}`;
}
