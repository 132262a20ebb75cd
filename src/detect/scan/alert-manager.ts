import type { ScanEvent } from '../../sink/schema.js';
import { addressText, buildEvent, techniqueMask, type DescribeOptions } from './describe.js';
import { Kind } from './kinds.js';
import { Det } from './det.js';
import type { SourceState } from './source-state.js';

export interface AlertOptions extends DescribeOptions {
  /** Least seconds between two `update` events of one scan (alert-update). */
  alertUpdate: number;
  /** Seconds without a probe after which a scan ends (scan-idle). */
  scanIdle: number;
  /**
   * Seconds the start event of an OS-stack SYN scan may wait for a handshake
   * torn down without data, which makes it a connect scan (alert-hold).
   */
  alertHold: number;
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
 *
 * One deferral: a source judged on SYNs from a full OS stack that has not yet
 * torn down a completed handshake could be a SYN or a connect scan. Its start
 * waits up to `alertHold` seconds of packet time for that teardown (nmap -sT
 * reaches its first open port within milliseconds), so the start already says
 * `connect`. `probes_to_detect` stays the count at the decision.
 * After `end` the source's evidence is cleared (by `onEnded`), so a later scan
 * from it is judged, and numbered, afresh.
 */
export class AlertManager {
  private readonly active = new Set<SourceState>();
  /** The decoy group of a source (detect/decoy), when that module runs: shown on each event. */
  groupOf: ((s: SourceState) => { readonly id: string; readonly size: number } | null) | null = null;
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

  /** A detector fired for `s`: start its scan (maybe after the hold), or update it. */
  judged(s: SourceState, now: number): void {
    if (!s.active) this.decide(s, now);
    else if (s.holdUntil > 0) {
      if (!this.mayBeConnect(s) || now >= s.holdUntil) this.start(s, now);
    } else this.activity(s, now);
  }

  private decide(s: SourceState, now: number): void {
    // Judged by the slow detector alone: its evidence spans quiet gaps, so
    // the episode is everything since the evidence started.
    if (s.fired === 1 << Det.SLOW) {
      s.firstSeen = s.firstEvidence;
      s.probes = s.evidenceProbes;
    }
    s.active = true;
    s.scanId = `${addressText(s)}-${Math.round(s.firstSeen * 1000)}`;
    s.decidedAt = now;
    s.probesToDetect = s.probes;
    this.active.add(s);
    if (this.o.alertHold > 0 && this.mayBeConnect(s)) s.holdUntil = now + this.o.alertHold;
    else this.start(s, now);
  }

  /** SYN probes from a full OS stack, no teardown yet: syn or connect cannot be told. */
  private mayBeConnect(s: SourceState): boolean {
    return s.teardowns === 0 && s.osSyn > s.rawSyn && (techniqueMask(s, this.o.techniqueMin) & (1 << Kind.SYN)) !== 0;
  }

  private start(s: SourceState, now: number): void {
    s.holdUntil = 0;
    this.starts++;
    this.send(s, 'start', now);
  }

  /** Release held starts whose hold ended by `now` (called about once a second). */
  private releaseHolds(now: number): void {
    for (const s of this.active) if (s.holdUntil > 0 && s.holdUntil <= now) this.start(s, s.holdUntil);
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
    this.releaseHolds(now);
    for (const s of this.active) {
      const idleSince = s.lastProbe + this.o.scanIdle;
      if (idleSince <= now) this.finish(s, idleSince, now);
    }
  }

  /** The source leaves the table: its scan ends now (no evidence reset, the object is being reused). */
  removed(s: SourceState, now: number): void {
    if (s.active) this.end(s, Math.max(s.lastEmit, now));
  }

  /** End of input: every scan ends at `now` (a held start goes out first). */
  endAll(now: number): void {
    for (const s of this.active) this.finish(s, Math.max(s.lastEmit, now), now);
  }

  private finish(s: SourceState, ts: number, now: number): void {
    this.end(s, ts);
    this.onEnded(s, now);
  }

  private end(s: SourceState, ts: number): void {
    if (s.holdUntil > 0) this.start(s, Math.min(ts, s.holdUntil)); // a held start goes out first
    this.ends++;
    this.send(s, 'end', ts);
    s.active = false;
    this.active.delete(s);
  }

  private send(s: SourceState, event: ScanEvent['event'], ts: number, kinds = techniqueMask(s, this.o.techniqueMin)): void {
    s.lastEmit = ts;
    s.probesAtEmit = s.probes;
    s.emittedKinds |= kinds;
    const e = buildEvent(s, event, ts, this.o, kinds);
    const g = this.groupOf?.(s);
    if (g) {
      e.group = g.id;
      e.groupSources = g.size;
    }
    this.emit(e);
  }
}
