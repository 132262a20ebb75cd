import { EVENT_FIELDS, isoTime, type EventField, type ExtraEvent, type SensorRecord } from './schema.js';

/**
 * The projections of the event records beside scans (distributed, entropy),
 * all read from their one field table in schema.ts: adding a field there adds
 * it to the JSON Lines object, the CSV column, the InfluxDB point and (when
 * marked) the console line.
 */

export function isExtraEvent(r: SensorRecord): r is ExtraEvent {
  return r.kind === 'distributed' || r.kind === 'entropy';
}

function fieldsOf(e: ExtraEvent): readonly EventField<ExtraEvent>[] {
  return EVENT_FIELDS[e.kind] as readonly EventField<ExtraEvent>[];
}

/** JSON value of one field: times as ISO 8601, floats rounded to 6 significant digits. */
function jsonValue(f: EventField<ExtraEvent>, e: ExtraEvent): unknown {
  const v = f.get(e);
  if (f.type === 'time') return isoTime(v as number);
  if (f.type === 'float') return +(v as number).toPrecision(6);
  if (f.type === 'ints') return [...(v as number[])];
  return v;
}

/** The JSON Lines object: `kind` first, then the fields in table order. */
export function eventRecord(e: ExtraEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: e.kind };
  for (const f of fieldsOf(e)) out[f.name] = jsonValue(f, e);
  return out;
}

/** CSV cells by column name (lists space-separated, as the scan columns). */
export function eventCells(e: ExtraEvent): Record<string, string | number> {
  const out: Record<string, string | number> = { kind: e.kind };
  for (const f of fieldsOf(e)) {
    const v = jsonValue(f, e);
    out[f.name] = Array.isArray(v) ? v.join(' ') : typeof v === 'boolean' ? String(v) : (v as string | number);
  }
  return out;
}

/** Every column any extra event has, in table order, without repeats. */
export function extraEventColumns(): string[] {
  const cols: string[] = [];
  for (const fields of Object.values(EVENT_FIELDS) as unknown as readonly (readonly EventField<ExtraEvent>[])[]) {
    for (const f of fields) if (!cols.includes(f.name)) cols.push(f.name);
  }
  return cols;
}

/**
 * One console line, e.g.
 * `[2026-12-01T09:00:01.000Z] DISTRIBUTED start victim=10.9.0.2 sources=1987 ports=1 rate=2000 ... [id 10.9.0.2-...]`.
 */
export function formatExtraEvent(e: ExtraEvent): string {
  const parts: string[] = [];
  let event = '';
  for (const f of fieldsOf(e)) {
    if (!f.console) continue;
    const v = jsonValue(f, e);
    if (f.name === 'event') event = ` ${String(v)}`;
    else parts.push(`${f.name}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  const id = 'id' in e ? ` [id ${e.id}]` : '';
  return `[${isoTime(e.ts)}] ${e.kind.toUpperCase()}${event} ${parts.join(' ')}${id}`;
}
