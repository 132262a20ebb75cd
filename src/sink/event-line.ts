import { formatScanEvent } from './alert-text.js';
import type { SensorRecord } from './schema.js';

/** The console's line for a scan event (null for other records). */
export function formatScanEventLine(r: SensorRecord): string | null {
  return r.kind === 'scan' ? formatScanEvent(r) : null;
}
