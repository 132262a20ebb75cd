import { formatScanEvent } from './alert-text.js';
import { formatExtraEvent, isExtraEvent } from './event-projection.js';
import type { SensorRecord } from './schema.js';

/** The console's line for a scan, distributed or entropy event (null for other records). */
export function formatScanEventLine(r: SensorRecord): string | null {
  if (r.kind === 'scan') return formatScanEvent(r);
  return isExtraEvent(r) ? formatExtraEvent(r) : null;
}
