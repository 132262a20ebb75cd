import { Concentration } from '../../track/concentration.js';
import { DistinctCounter } from '../../track/distinct-counter.js';
import type { LruEntry } from '../../track/lru-table.js';
import { DET_COUNT } from './det.js';
import { KIND_COUNT } from './kinds.js';

/** How many sample ports and hosts an alert carries. */
export const SAMPLE_SIZE = 20;

/** Hosts remembered as merely used (one data connection, nothing else probed): not targets. */
export const USED_HOSTS = 8;

export interface SourceStateLimits {
  /** Keys kept exactly by the distinct counters before they switch to a sketch. */
  exactDistinct: number;
  /** Hosts and ports tracked by each concentration map. */
  concentrationCap: number;
}

/**
 * Everything known about one source (a would-be scanner) since its evidence
 * was last cleared. Pooled: the tracker reuses objects of removed sources, so
 * every field is reset in `reset()` and the shape never changes.
 */
export class SourceState implements LruEntry {
  key = 0;
  lastSeen = 0;
  lruPrev: LruEntry | null = null;
  lruNext: LruEntry | null = null;
  /** Changes whenever the object starts describing a new source or new evidence. */
  epoch = 0;
  /** Contacts created before this packet second belong to older evidence. */
  evidenceStart = 0;

  v6 = false;
  addr4 = 0;
  readonly addr6 = new Uint32Array(4);

  /**
   * Packet time of the first probe of the scan episode, and of the latest
   * probe. An episode restarts (firstSeen, probes) when a source that was
   * never judged and never failed probes again after a quiet gap of
   * scan-idle: its earlier, answered contacts were background.
   */
  firstSeen = 0;
  lastProbe = 0;
  /** Probe packets of the episode (first contacts and their retries). */
  probes = 0;
  /** First probe and probes since the evidence started (a slow scan's episode is all of it). */
  firstEvidence = 0;
  evidenceProbes = 0;
  /** Distinct host:port:protocol pairs probed. */
  pairs = 0;
  successes = 0;
  failures = 0;
  /** SYN and UDP first contacts that got any answer (success, RST, ICMP): not timeouts. */
  answeredSyn = 0;
  answeredUdp = 0;
  /** Hosts this source only used (a data connection on the one pair it probed there). */
  readonly usedHosts = new Float64Array(USED_HOSTS);
  nUsed = 0;

  readonly hosts: DistinctCounter;
  readonly ports: DistinctCounter;
  /** Where all probed pairs concentrate (pattern, fingerprint gate). */
  readonly all: Concentration;
  /** Where failed SYN/UDP first contacts concentrate (TRW and UDP gate). */
  readonly fail: Concentration;
  /** Where stealth probes concentrate (stealth detector). */
  readonly stealth: Concentration;

  /** First contacts per probe kind (ACK/MAIMON: only once they failed, i.e. no connection behind them). */
  readonly kindCount = new Float64Array(KIND_COUNT);
  /**
   * SCTP first contacts answered by INIT ACK (an association, not a probe:
   * detect/discovery). A plain field, not an array per kind: 20,000 pooled
   * sources x two arrays cost 8 MiB of a 2M-source flood's peak RSS.
   */
  sctpOpen = 0;
  /** Tool marks seen outside the TCP fingerprints (bits of Mark in fingerprint.ts: nmap OS probes, nmap discovery set). */
  marks = 0;
  /** ICMP/ICMPv6 echo requests without payload (nmap's, snort3 "ICMP PING NMAP") and with payload (ping, fping). */
  pingsEmpty = 0;
  pingsData = 0;
  /** SYN probes from a full OS stack (options beyond MSS) and from raw sockets. */
  osSyn = 0;
  rawSyn = 0;
  /** Handshakes this source completed and tore down before any data (connect scans). */
  teardowns = 0;

  fpChecked = 0;
  fpNmap = 0;
  fpMasscan = 0;
  fpZmap = 0;
  fpUdpChecked = 0;
  fpUdpMasscan = 0;
  fpUdpZmap = 0;
  fpUdpWeak = 0;
  /** Evasion bits (decode Evasion: tiny or overlapping fragments) seen on this source's probes. */
  evasion = 0;

  /** TRW likelihood ratio (trw part). */
  trwRatio = 1;

  /** Detectors that judged this source a scanner (bits of Det), with score and threshold. */
  fired = 0;
  readonly score = new Float64Array(DET_COUNT);
  readonly threshold = new Float64Array(DET_COUNT);

  readonly samplePorts = new Int32Array(SAMPLE_SIZE);
  nSamplePorts = 0;
  readonly sampleHost4 = new Float64Array(SAMPLE_SIZE);
  readonly sampleHost6 = new Uint32Array(4 * SAMPLE_SIZE);
  readonly sampleIsV6 = new Uint8Array(SAMPLE_SIZE);
  nSampleHosts = 0;

  // ---- scan lifecycle (alert manager) ----
  active = false;
  scanId = '';
  decidedAt = 0;
  /** Packet time until which the start event is held (0: not held). */
  holdUntil = 0;
  probesToDetect = 0;
  lastEmit = 0;
  probesAtEmit = 0;
  /** Techniques (bits of Kind) shown on the events so far. */
  emittedKinds = 0;

  constructor(limits: SourceStateLimits) {
    // Precision 12 (4 KiB, ~1.6%) only once a source passes exactDistinct keys.
    this.hosts = new DistinctCounter(limits.exactDistinct, 12);
    this.ports = new DistinctCounter(limits.exactDistinct, 12);
    this.all = new Concentration(limits.concentrationCap);
    this.fail = new Concentration(limits.concentrationCap);
    this.stealth = new Concentration(limits.concentrationCap);
  }

  /** Hosts probed, not counting hosts merely used (item 11 of issue 8). */
  get targets(): number {
    const n = this.hosts.count - this.nUsed;
    return n > 0 ? n : 0;
  }

  /** `dst` got data on the only pair probed there: a host used, not a target (while room). */
  markUsed(dst: number): void {
    if (this.all.portsOn(dst) !== 1 || this.nUsed >= USED_HOSTS) return;
    for (let i = 0; i < this.nUsed; i++) if (this.usedHosts[i] === dst) return;
    this.usedHosts[this.nUsed++] = dst;
  }

  /** A second pair probed on `dst`: a used host becomes a target after all. */
  probedAgain(dst: number): void {
    for (let i = 0; i < this.nUsed; i++) {
      if (this.usedHosts[i] !== dst) continue;
      this.usedHosts[i] = this.usedHosts[--this.nUsed];
      return;
    }
  }

  /** Judged a scanner by detector `det`: keeps the latest score. */
  fire(det: number, score: number, threshold: number): void {
    this.fired |= 1 << det;
    this.score[det] = score;
    this.threshold[det] = threshold;
  }

  /** Start describing a (new) source: identity fields are set by the caller. */
  reset(key: number, epoch: number, now: number): void {
    this.key = key;
    this.lastSeen = now;
    this.clearEvidence(epoch, now);
  }

  /** Forget the evidence (after a scan ended), keep the identity. */
  clearEvidence(epoch: number, now: number): void {
    this.epoch = epoch;
    this.evidenceStart = Math.floor(now);
    this.firstSeen = 0;
    this.lastProbe = 0;
    this.probes = 0;
    this.firstEvidence = 0;
    this.evidenceProbes = 0;
    this.pairs = 0;
    this.successes = 0;
    this.failures = 0;
    this.answeredSyn = 0;
    this.answeredUdp = 0;
    this.nUsed = 0;
    this.hosts.clear();
    this.ports.clear();
    this.all.clear();
    this.fail.clear();
    this.stealth.clear();
    zero(this.kindCount);
    this.sctpOpen = 0;
    this.marks = 0;
    this.pingsEmpty = 0;
    this.pingsData = 0;
    this.osSyn = 0;
    this.rawSyn = 0;
    this.teardowns = 0;
    this.fpChecked = 0;
    this.fpNmap = 0;
    this.fpMasscan = 0;
    this.fpZmap = 0;
    this.fpUdpChecked = 0;
    this.fpUdpMasscan = 0;
    this.fpUdpZmap = 0;
    this.fpUdpWeak = 0;
    this.evasion = 0;
    this.trwRatio = 1;
    this.fired = 0;
    zero(this.score);
    zero(this.threshold);
    this.nSamplePorts = 0;
    this.nSampleHosts = 0;
    this.active = false;
    this.scanId = '';
    this.decidedAt = 0;
    this.holdUntil = 0;
    this.probesToDetect = 0;
    this.lastEmit = 0;
    this.probesAtEmit = 0;
    this.emittedKinds = 0;
  }
}

/** A plain loop: TypedArray.prototype.fill costs a builtin call, measurable per new source. */
function zero(a: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = 0;
}

/**
 * A new host:port for `s` (the tracker's probes and admission replays):
 * distinct counts, concentration, samples. The sample host is `dst4`, or
 * the four words of `dst6` at `at`.
 */
export function addPair(s: SourceState, dst: number, port: number, portKey: number, v6: boolean, dst4: number, dst6: Uint32Array, at: number): void {
  s.pairs++;
  if (s.nUsed > 0) s.probedAgain(dst);
  s.all.add(dst, portKey);
  if (s.hosts.add(dst) && s.nSampleHosts < SAMPLE_SIZE) {
    const i = s.nSampleHosts++;
    if (v6) {
      s.sampleIsV6[i] = 1;
      for (let w = 0; w < 4; w++) s.sampleHost6[4 * i + w] = dst6[at + w];
    } else {
      s.sampleIsV6[i] = 0;
      s.sampleHost4[i] = dst4;
    }
  }
  if (s.ports.add(port) && s.nSamplePorts < SAMPLE_SIZE) s.samplePorts[s.nSamplePorts++] = port;
}
