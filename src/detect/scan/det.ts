/**
 * The verdict bits of a source (SourceState.fired, score, threshold): one per
 * reason a source can be named a scanner. The order is the order of the
 * `detectors` list in scan events, so it is part of the output: new bits go
 * at the end. Most bits belong to a scan part module (registered once, in
 * src/assemble/registry.ts); FINGERPRINT and FANOUT are the engine's own
 * checks. A test checks that every scan part module's name is here.
 */
export const enum Det {
  TRW = 0,
  STEALTH = 1,
  SLOW = 2,
  UDP = 3,
  FINGERPRINT = 4,
  /** Unanswered SYN/UDP fan-out (engine): named without waiting for timeouts. */
  FANOUT = 5,
  /** The session classifier (detect/classifier), only with --model. */
  CLASSIFIER = 6,
  /** Ping sweeps, SCTP scans, IP protocol scans (detect/discovery). */
  DISCOVERY = 7,
  /** nmap's OS-detection probes (detect/osscan). */
  OSSCAN = 8,
}

export const DET_COUNT = 9;
export const DET_NAMES: readonly string[] = ['trw', 'stealth', 'slow', 'udp', 'fingerprint', 'fanout', 'classifier', 'discovery', 'osscan'];
