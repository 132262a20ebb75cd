import type { PacketView } from '../../decode/packet-view.js';
import type { XgbModel } from '../../ml/xgb-model.js';
import { FEATURE_COUNT, type Session } from '../../sessions/session.js';
import { SessionTable } from '../../sessions/session-table.js';
import { LruTable } from '../../track/lru-table.js';
import type { Detector } from '../detector.js';
import type { ScanEngine } from '../scan/engine.js';
import { Det } from '../scan/det.js';
import type { ScanPart } from '../scan/part.js';
import type { SourceState } from '../scan/source-state.js';
import { BUCKETS, SourceWindow } from './source-window.js';

export interface ClassifierOptions {
  /** Seconds without a packet that close a session (nmap-harvester: 0.5). */
  window: number;
  maxSessions: number;
  /** Probability above which a session is flagged as a scan (XGBClassifier.predict: p > 0.5). */
  threshold: number;
  /** Share of flagged sessions that names a source (nmap-harvester: 0.3). */
  share: number;
  /** Scored sessions a source needs in the window before it can be named. */
  minSessions: number;
  /** Sliding window of packet time over which the share is taken (s). */
  shareWindow: number;
  maxSources: number;
}

/**
 * nmap-harvester's learned detector, in process: TCP sessions (sessions/), each
 * scored once when it closes by an XGBoost model evaluated in TypeScript
 * (ml/xgb-model.ts: no Python, no native call); per source (the side that
 * opened the session), the share of flagged sessions over a sliding window of
 * packet time. A source with at least `minSessions` scored sessions of which
 * at least `share` were flagged is judged a scanner in the scan engine, which
 * turns that into start/update/end events like any other part; its score is
 * the share.
 *
 * It is two things: a pipeline detector (it needs every TCP packet, replies
 * included, which the engine's probe hooks do not see) and a scan part (so the
 * engine tells it when a scan ended and the source's evidence was cleared).
 * Registered before the engine, so sessions closed at end of input are judged
 * before the engine ends its scans. Per packet: the session table only (no
 * allocation); scoring, ~210 tree walks, happens at session close.
 */
export class ClassifierDetector implements Detector, ScanPart {
  readonly name = 'classifier';
  readonly sessions: SessionTable;
  readonly sources: LruTable<SourceWindow>;
  private readonly pool: SourceWindow[] = [];
  private readonly x = new Float64Array(FEATURE_COUNT);
  private readonly width: number;
  /** The model's margin at `threshold` (sigmoid inverse), so scoring needs no exp. */
  private readonly marginThreshold: number;

  scored = 0;
  flagged = 0;
  scanners = 0;
  unattributed = 0;

  constructor(
    private readonly o: ClassifierOptions,
    private readonly model: XgbModel,
    private readonly engine: ScanEngine,
  ) {
    this.sessions = new SessionTable({ window: o.window, maxSessions: o.maxSessions, onClose: (s) => this.score(s) });
    this.sources = new LruTable<SourceWindow>({
      maxEntries: o.maxSources,
      idleTimeout: o.shareWindow,
      onRemove: (w) => this.pool.push(w),
    });
    this.width = o.shareWindow / BUCKETS;
    this.marginThreshold = -Math.log(1 / o.threshold - 1);
  }

  onPacket(v: PacketView): void {
    this.sessions.onPacket(v);
  }

  tick(now: number): void {
    this.sessions.tick(now);
    this.sources.expire(now);
  }

  flush(now: number): void {
    this.sessions.flush(now);
  }

  /** The engine cleared `s`'s evidence (its scan ended): the classifier starts afresh for it too. */
  onSourceReset(s: SourceState, ended: boolean): void {
    if (!ended) return;
    const w = this.sources.peek(s.key);
    if (w !== undefined) w.clear();
  }

  /** A session closed: score it, add it to its source's window, judge the source. */
  private score(s: Session): void {
    const now = this.sessions.now;
    s.features(this.x);
    const flagged = this.model.margin(this.x) > this.marginThreshold;
    this.scored++;
    if (flagged) this.flagged++;
    let w = this.sources.get(s.srcKey, now);
    if (w === undefined) {
      this.sources.expire(now);
      w = this.pool.pop() ?? new SourceWindow();
      w.reset(s.srcKey, now);
      this.sources.insert(w, now);
    }
    w.add(now, flagged, this.width);
    if (w.sumTotal < this.o.minSessions) return;
    const share = w.share;
    const src = this.engine.tracker.sources.peek(s.srcKey);
    if (src === undefined) {
      if (share >= this.o.share) this.unattributed++;
      return;
    }
    if ((src.fired & (1 << Det.CLASSIFIER)) !== 0) src.score[Det.CLASSIFIER] = share;
    else if (share >= this.o.share) {
      this.scanners++;
      src.fire(Det.CLASSIFIER, share, this.o.share);
      this.engine.changed(src, now);
    }
  }
}
