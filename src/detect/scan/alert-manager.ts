import type { ScanEvent } from '../../sink/schema.js';
import { addressText, buildEvent, techniqueMask, type DescribeOptions } from './describe.js';
import type { SourceState } from './source-state.js';

export interface AlertOptions extends DescribeOptions {
  /** Least seconds between two `update` events of one scan (alert-update). */
  alertUpdate: number;
  /** Seconds without a probe after which a scan ends (scan-idle). */
  scanIdle: number;
}

/**
 * The one place a scan's life is decided. All detectors' verdicts about a
 * source merge into one event stream per scan:
 * - `start` when the source is first judged a scanner (any detector fired);
 * - `update` while it goes on, at most every `alertUpdate` seconds, and at
 *   once when a new technique appears (a phase change must be shown);
 * - `end` after `scanIdle` seconds without a probe, when the source leaves
 *   the table, or at end of input.
 * The id is `<scanner>-<first probe, ms since epoch>`: stable across replays.
 * After `end` the source's evidence is cleared (by `onEnded`), so a later scan
 * from it is judged, and numbered, afresh.
 */
export class AlertManager {
  private readonly active = new Set<SourceState>();
  starts = 0;
  updates = 0;
  ends = 0;

  constructor(
    private readonly o: AlertOptions,
    private readonly emit: (e: ScanEvent) => void,
    private readonly onEnded: (s: SourceState, now: number) => void,
  ) {}

  get activeScans(): number {
    return this.active.size;
  }

  /** A detector fired for `s`: start its scan, or update it. */
  judged(s: SourceState, now: number): void {
    if (!s.active) this.start(s, now);
    else this.activity(s, now);
  }

  private start(s: SourceState, now: number): void {
    s.active = true;
    s.scanId = `${addressText(s)}-${Math.round(s.firstSeen * 1000)}`;
    s.decidedAt = now;
    s.probesToDetect = s.probes;
    this.active.add(s);
    this.starts++;
    this.send(s, 'start', now);
  }

  private activity(s: SourceState, now: number): void {
    const kinds = techniqueMask(s, this.o.techniqueMin);
    const newTechnique = (kinds & ~s.emittedKinds) !== 0;
    if (newTechnique || (now - s.lastEmit >= this.o.alertUpdate && s.probes > s.probesAtEmit)) {
      this.updates++;
      this.send(s, 'update', now, kinds);
    }
  }

  /** End every scan idle for `scanIdle` seconds at `now` (called about once a second). */
  checkIdle(now: number): void {
    if (this.active.size === 0) return;
    for (const s of this.active) {
      const idleSince = s.lastProbe + this.o.scanIdle;
      if (idleSince <= now) this.finish(s, idleSince, now);
    }
  }

  /** The source leaves the table: its scan ends now (no evidence reset, the object is being reused). */
  removed(s: SourceState, now: number): void {
    if (s.active) this.end(s, Math.max(s.lastEmit, now));
  }

  /** End of input: every scan ends at `now`. */
  endAll(now: number): void {
    for (const s of this.active) this.finish(s, Math.max(s.lastEmit, now), now);
  }

  private finish(s: SourceState, ts: number, now: number): void {
    this.end(s, ts);
    this.onEnded(s, now);
  }

  private end(s: SourceState, ts: number): void {
    this.ends++;
    this.send(s, 'end', ts);
    s.active = false;
    this.active.delete(s);
  }

  private send(s: SourceState, event: ScanEvent['event'], ts: number, kinds = techniqueMask(s, this.o.techniqueMin)): void {
    s.lastEmit = ts;
    s.probesAtEmit = s.probes;
    s.emittedKinds |= kinds;
    this.emit(buildEvent(s, event, ts, this.o, kinds));
  }
}
