import type { SourceState } from './source-state.js';

/**
 * A detector plugged into the shared source tracker. The tracker sees every
 * packet once and calls these hooks; a part that decides "scanner" calls
 * `s.fire(bit, score, threshold)` and the engine turns that into events.
 * Hooks run on the per-packet path: no allocation, no throw, no logging.
 */
export interface ScanPart {
  readonly name: string;
  /**
   * A probe packet from `s` to (dstKey, portKey) of `kind`. `newPair`: the
   * first probe of any kind to this host:port; `newKind`: the first of this
   * kind (a first contact); otherwise a retry.
   */
  onProbe?(s: SourceState, kind: number, dstKey: number, portKey: number, newPair: boolean, newKind: boolean, now: number): void;
  /**
   * A probe, or a packet to a host:port that answered before, from a source
   * that has no SourceState yet (one first contact so far: see admission.ts).
   * Only its key is known; if it shows more, its state is created and the
   * probe is replayed through onProbe (so counting here must be idempotent).
   */
  onSingle?(srcKey: number, kind: number, dstKey: number, portKey: number, now: number): void;
  /** Another packet (SYN, UDP datagram) from `s` to a host:port that answered before: not a probe. */
  onRepeat?(s: SourceState, kind: number, dstKey: number, portKey: number, now: number): void;
  /** A first contact of `kind` was answered (success) or failed (RST, ICMP unreachable, timeout). */
  onOutcome?(s: SourceState, kind: number, dstKey: number, portKey: number, success: boolean, now: number): void;
  /**
   * `s` has had its evidence cleared after its scan ended (`ended`), or it
   * left the tracker's table and the object is about to be reused (a part
   * keeping its own per-address state may keep it then: the address may come
   * back, and that state has its own expiry).
   */
  onSourceReset?(s: SourceState, ended: boolean): void;
  /** Packet time moved (about once per second): close intervals, expire state. */
  tick?(now: number): void;
}
