import { formatScanEvent } from '../alert-text.js';
import { syslogScanParams } from '../scan-projection.js';
import { isoTime, type SensorRecord } from '../schema.js';

/**
 * One RFC 5424 message per scan event, derived from the scan field table (scan-fields.ts):
 *   <PRI>1 TIMESTAMP HOSTNAME peng-ts PROCID scan-start [scan@32473 k="v" ...] text
 * The structured data carries the JSON Lines record's fields (syslogScanParams), so
 * a SIEM parsing SD gets the same names as --alerts; MSG is the console line.
 * 32473 is the private enterprise number RFC 5612 reserves for documentation
 * and examples: the SD-ID is ours, not registered. Times are packet time.
 * Records of other kinds (added later) get `<kind>@32473` with their scalar
 * fields; frames and stats are not sent.
 */
export const SD_PEN = 32473;

export interface SyslogIdentity {
  hostname: string;
  appName: string;
  procId: string;
  /** RFC 5424 facility code (16 = local0). */
  facility: number;
}

/** RFC 5424 severities: 4 warning for a new scan, 5 notice for updates, ends and other kinds. */
const SEVERITY: Record<string, number> = { start: 4, update: 5, end: 5 };

/** PARAM-VALUE escaping (RFC 5424 6.3.3): `"`, `\` and `]` get a backslash. */
function esc(v: string): string {
  return v.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** SD-NAME: printable US-ASCII except `=`, space, `]`, `"`; at most 32 characters. */
function sdName(s: string): string {
  return s.replace(/[^\x21-\x7e]|[= \]"]/g, '_').slice(0, 32) || '_';
}

/** HOSTNAME, APP-NAME, PROCID, MSGID: printable, no spaces, bounded (RFC 5424 6.2); `-` when empty. */
function header(s: string, max: number): string {
  const v = s.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return v.length ? v : '-';
}

function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x ? Object.values(x).join(':') : String(x))).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function sd(id: string, fields: Record<string, unknown>): string {
  const params: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    const c = cell(v);
    // An empty value says nothing (no decoy group, no evasion): left out.
    if (c !== null && c !== '') params.push(`${sdName(k)}="${esc(c)}"`);
  }
  return `[${sdName(id)}${params.length ? ' ' : ''}${params.join(' ')}]`;
}

export function syslogMessage(r: SensorRecord | { kind: string; ts?: unknown }, who: SyslogIdentity): string | null {
  if (r.kind === 'frame' || r.kind === 'stats') return null;
  let event: string;
  let data: string;
  let text: string;
  let ts: number;
  if (r.kind === 'scan') {
    const e = r as Extract<SensorRecord, { kind: 'scan' }>;
    event = e.event;
    ts = e.ts;
    data = sd(`scan@${SD_PEN}`, syslogScanParams(e));
    text = formatScanEvent(e);
  } else {
    const { kind, ...rest } = r as { kind: string } & Record<string, unknown>;
    event = kind;
    ts = typeof rest.ts === 'number' ? rest.ts : NaN;
    const scalars = Object.fromEntries(Object.entries(rest).filter(([, v]) => v === null || typeof v !== 'object' || Array.isArray(v)));
    data = sd(`${kind}@${SD_PEN}`, scalars);
    text = JSON.stringify(rest);
  }
  const pri = who.facility * 8 + (SEVERITY[event] ?? 5);
  const msgid = header(r.kind === 'scan' ? `scan-${event}` : event, 32);
  const time = Number.isFinite(ts) ? isoTime(ts) : '-';
  return `<${pri}>1 ${time} ${header(who.hostname, 255)} ${header(who.appName, 48)} ${header(who.procId, 128)} ${msgid} ${data} ${text}`;
}
