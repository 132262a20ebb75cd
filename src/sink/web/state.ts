import type { ScanEvent, SensorRecord } from '../schema.js';
import { healthOf, type Health, type HealthSpec } from './health.js';

/**
 * What the web view and the HTML report show, kept in memory with a bound on
 * everything: the last `maxFrames` frames, `maxScans` scans (ended ones leave
 * first), `maxHistory` events per scan and `maxOther` records of kinds this
 * page does not know. What is dropped is counted, never silently lost.
 *
 * `write` is called from the sensor's output fan-out (once per frame, scan
 * event or stats snapshot, never per packet): it copies the numbers it needs
 * and returns. Building JSON for the page happens in `snapshot()`/`delta()`,
 * on the server's own schedule.
 */
export interface WebLimits {
  maxFrames: number;
  maxScans: number;
  maxHistory: number;
  maxOther: number;
}

/** One frame as the page gets it: [end, client, server, clientSyns, serverSyns]. */
export type FrameRow = [number, number, number, number, number];

/** A scan's latest event plus the short history of its events. */
export interface ScanEntry {
  /** The latest event, as the sensor emitted it (camelCase keys of ScanEvent). */
  last: ScanEvent;
  history: { ts: number; event: string; probes: number; targets: number; ports: number }[];
  /** History entries dropped beyond maxHistory. */
  historyDropped: number;
  seq: number;
}

/** A record of a kind this page has no view for, kept as plain data. */
export interface OtherRecord {
  seq: number;
  kind: string;
  ts: number | null;
  fields: Record<string, unknown>;
}

/** Extra chart series (baseline, threshold) found on records: name -> [t, value] points. */
export type MarkSeries = Record<string, [number, number][]>;

export interface WebSnapshot {
  meta: { sensor: string; source: string; live: boolean; ended: boolean; limits: WebLimits; generated: number };
  frames: FrameRow[];
  marks: MarkSeries;
  scans: ScanEntry[];
  other: OtherRecord[];
  health: Health | null;
  dropped: { frames: number; scans: number; history: number; other: number };
}

const MAX_MARK_SERIES = 8;
const FRAME_KEYS = new Set(['kind', 'start', 'end', 'client', 'server', 'clientSyns', 'serverSyns', 'clientBins', 'serverBins', 'clientBitmap', 'serverBitmap']);
const MAX_FIELD_CHARS = 2000;

export class WebState {
  // A ring of the last maxFrames frames: `head` is the oldest once full (a shift() per frame
  // on 10,000 rows cost 19 µs a frame in bench/sink/web.bench.ts; the ring is O(1)).
  private readonly frames: FrameRow[] = [];
  private readonly frameSeq: number[] = [];
  private head = 0;
  private readonly marks: MarkSeries = {};
  private readonly scans = new Map<string, ScanEntry>();
  private readonly other: OtherRecord[] = [];
  private lastStats: { ts: number; counters: Record<string, number> } | null = null;
  private prevStats: { ts: number; counters: Record<string, number> } | null = null;
  private seq = 0;
  ended = false;

  framesDropped = 0;
  scansDropped = 0;
  historyDropped = 0;
  otherDropped = 0;
  /** Records taken, by kind (for the counters). */
  records = 0;

  constructor(
    readonly limits: WebLimits,
    private readonly meta: { sensor: string; source: string; live: boolean },
    private readonly healthSpec: HealthSpec,
  ) {}

  write(r: SensorRecord): void {
    this.records++;
    const seq = ++this.seq;
    // Records of kinds added later reach this switch too: `kind` is read as a string.
    const kind = (r as { kind: string }).kind;
    if (kind === 'frame' && r.kind === 'frame') {
      const row: FrameRow = [r.end, r.client, r.server, r.clientSyns, r.serverSyns];
      if (this.frames.length < this.limits.maxFrames) {
        this.frames.push(row);
        this.frameSeq.push(seq);
      } else {
        this.frames[this.head] = row;
        this.frameSeq[this.head] = seq;
        this.head = (this.head + 1) % this.frames.length;
        this.framesDropped++;
      }
      // Only fields a frame does not have today can be a baseline or threshold.
      for (const k in r) {
        if (!FRAME_KEYS.has(k)) {
          this.takeMarks(r as unknown as Record<string, unknown>, r.end, 'frame');
          break;
        }
      }
    } else if (kind === 'scan' && r.kind === 'scan' && typeof r.id === 'string') {
      this.onScan(r, seq);
    } else if (kind === 'stats' && r.kind === 'stats') {
      // The final snapshot repeats the last frame's time: keep the pair that spans time, for the rate.
      if (!this.lastStats || r.ts > this.lastStats.ts) this.prevStats = this.lastStats;
      this.lastStats = { ts: r.ts, counters: r.counters };
    } else {
      this.onOther(kind, r as unknown as Record<string, unknown>, seq);
    }
  }

  private onScan(e: ScanEvent, seq: number): void {
    let entry = this.scans.get(e.id);
    if (!entry) {
      if (this.scans.size >= this.limits.maxScans) this.evictScan();
      entry = { last: e, history: [], historyDropped: 0, seq };
      this.scans.set(e.id, entry);
    }
    entry.last = { ...e };
    entry.seq = seq;
    if (entry.history.length >= this.limits.maxHistory) {
      // Keep the first event (the start) and the most recent ones.
      entry.history.splice(1, 1);
      entry.historyDropped++;
      this.historyDropped++;
    }
    entry.history.push({ ts: e.ts, event: String(e.event), probes: e.probes, targets: e.targets, ports: e.ports });
  }

  /** Room for a new scan: the ended scan seen longest ago, else the oldest engaged one. */
  private evictScan(): void {
    let victim: string | null = null;
    let oldest = Infinity;
    for (const [id, s] of this.scans) {
      if (s.last.event === 'end' && s.last.lastSeen < oldest) {
        oldest = s.last.lastSeen;
        victim = id;
      }
    }
    if (victim === null) victim = this.scans.keys().next().value ?? null;
    if (victim !== null) this.scans.delete(victim);
    this.scansDropped++;
  }

  private onOther(kind: string, r: Record<string, unknown>, seq: number): void {
    const ts = typeof r.ts === 'number' ? r.ts : typeof r.end === 'number' ? r.end : null;
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === 'kind') continue;
      fields[k] = plain(v);
    }
    this.other.push({ seq, kind: String(kind), ts, fields });
    if (this.other.length > this.limits.maxOther) {
      this.other.shift();
      this.otherDropped++;
    }
    if (ts !== null) this.takeMarks(r, ts, String(kind));
  }

  /** Numeric fields named like a baseline or threshold become dashed lines on the chart. */
  private takeMarks(r: Record<string, unknown>, t: number, kind: string): void {
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || !/baseline|threshold/i.test(k)) continue;
      const dir = typeof r.direction === 'string' ? `${r.direction}.` : '';
      const name = kind === 'frame' ? k : `${kind}.${dir}${k}`;
      let s = this.marks[name];
      if (!s) {
        if (Object.keys(this.marks).length >= MAX_MARK_SERIES) continue;
        s = this.marks[name] = [];
      }
      s.push([t, v]);
      if (s.length > this.limits.maxFrames) s.shift();
    }
  }

  get scanCount(): number {
    return this.scans.size;
  }

  get frameCount(): number {
    return this.frames.length;
  }

  get lastSeq(): number {
    return this.seq;
  }

  health(): Health | null {
    return this.lastStats ? healthOf(this.lastStats, this.prevStats, this.healthSpec) : null;
  }

  /** Everything kept, for a page that just connected and for the report. */
  snapshot(): WebSnapshot {
    return this.build(0);
  }

  /** What changed after `since` (a value of lastSeq): new frames, changed scans, new other records. */
  delta(since: number): WebSnapshot {
    return this.build(since);
  }

  private build(since: number): WebSnapshot {
    const frames: FrameRow[] = [];
    const n = this.frames.length;
    // Newest first from the end of the ring until an old one, then put back in time order.
    for (let k = n - 1; k >= 0; k--) {
      const i = (this.head + k) % n;
      if (this.frameSeq[i] <= since) break;
      frames.push(this.frames[i]);
    }
    frames.reverse();
    const scans: ScanEntry[] = [];
    for (const s of this.scans.values()) if (s.seq > since) scans.push(s);
    const marks: MarkSeries = {};
    // Marks are few; send them whole whenever anything changed.
    for (const [k, v] of Object.entries(this.marks)) marks[k] = v;
    return {
      meta: { ...this.meta, ended: this.ended, limits: this.limits, generated: Date.now() / 1000 },
      frames,
      marks,
      scans,
      other: this.other.filter((o) => o.seq > since),
      health: this.health(),
      dropped: { frames: this.framesDropped, scans: this.scansDropped, history: this.historyDropped, other: this.otherDropped },
    };
  }
}

/** A value as plain JSON data, with long texts cut (records of unknown kinds are shown as they are). */
function plain(v: unknown): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > MAX_FIELD_CHARS ? v.slice(0, MAX_FIELD_CHARS) + '…' : v;
  try {
    const s = JSON.stringify(v);
    if (s === undefined) return String(v);
    return s.length > MAX_FIELD_CHARS ? s.slice(0, MAX_FIELD_CHARS) + '…' : JSON.parse(s);
  } catch {
    return String(v);
  }
}
