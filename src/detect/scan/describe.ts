import { ipv4ToString, ipv6ToString } from '../../decode/address.js';
import type { DetectorScore, EvasionKind, ScanEvent, Technique } from '../../sink/schema.js';
import { toolEvidence, toolOf } from './fingerprint.js';
import { Kind, KIND_COUNT, KIND_NAMES, patternOf } from './kinds.js';
import { DET_COUNT, DET_NAMES } from './det.js';
import type { SourceState } from './source-state.js';

/** What turns a source's counts into words. */
export interface DescribeOptions {
  /** Distinct ports on a host / hosts on a port that make a pattern (min-concentration). */
  minConcentration: number;
  /** First contacts of a kind before it is named as a technique (technique-min). */
  techniqueMin: number;
  /** Matching probes before a tool is named (fingerprint-min). */
  fingerprintMin: number;
}

/** Probe kinds that can be seen on the wire, in Kind order. */
const WIRE_KINDS = [Kind.SYN, Kind.FIN, Kind.NULL, Kind.XMAS, Kind.ACK, Kind.MAIMON, Kind.UDP, Kind.PING, Kind.SCTP_INIT, Kind.SCTP_COOKIE, Kind.IPPROTO, Kind.OS];

/**
 * A connect scan: SYNs from a full OS stack (options beyond MSS) and at least
 * one handshake completed and torn down before any data.
 */
export function isConnectScan(s: SourceState): boolean {
  return s.teardowns > 0 && s.osSyn > s.rawSyn;
}

/**
 * Techniques as a bit set over Kind: every probe kind with at least
 * `techniqueMin` first contacts, or the most used one when none has that many.
 */
export function techniqueMask(s: SourceState, techniqueMin: number): number {
  let mask = 0;
  let best = -1;
  let bestCount = 0;
  for (let i = 0; i < WIRE_KINDS.length; i++) {
    const k = WIRE_KINDS[i];
    const n = s.kindCount[k];
    if (n >= techniqueMin) mask |= 1 << k;
    if (n > bestCount) {
      bestCount = n;
      best = k;
    }
  }
  if (mask === 0 && best >= 0) mask = 1 << best;
  if ((mask & (1 << Kind.SYN)) !== 0 && isConnectScan(s)) mask = (mask & ~(1 << Kind.SYN)) | (1 << Kind.CONNECT);
  return mask;
}

/** The techniques of a mask, most first contacts first. */
export function techniqueList(s: SourceState, mask: number): Technique[] {
  const kinds: number[] = [];
  for (let k = 0; k < KIND_COUNT; k++) if ((mask & (1 << k)) !== 0) kinds.push(k);
  const count = (k: number) => s.kindCount[k === Kind.CONNECT ? Kind.SYN : k];
  kinds.sort((a, b) => count(b) - count(a) || a - b);
  return kinds.map((k) => KIND_NAMES[k]);
}

export function addressText(s: SourceState): string {
  return s.v6 ? ipv6ToString(s.addr6) : ipv4ToString(s.addr4);
}

function sampleTargets(s: SourceState): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.nSampleHosts; i++) {
    out.push(s.sampleIsV6[i] === 1 ? ipv6ToString(s.sampleHost6.subarray(4 * i, 4 * i + 4)) : ipv4ToString(s.sampleHost4[i]));
  }
  return out;
}

function detectors(s: SourceState): DetectorScore[] {
  const out: DetectorScore[] = [];
  for (let d = 0; d < DET_COUNT; d++) {
    if ((s.fired & (1 << d)) !== 0) out.push({ name: DET_NAMES[d], score: s.score[d], threshold: s.threshold[d] });
  }
  return out;
}

/** One event of a scan, from the source's current state. */
export function buildEvent(s: SourceState, event: ScanEvent['event'], ts: number, o: DescribeOptions, kinds: number): ScanEvent {
  const tool = toolOf(s, o.fingerprintMin);
  return {
    kind: 'scan',
    ts,
    event,
    id: s.scanId,
    scanner: addressText(s),
    technique: techniqueList(s, kinds),
    pattern: patternOf(s.all.maxPortsPerHost, s.all.maxHostsPerPort, o.minConcentration),
    tool,
    toolEvidence: toolEvidence(s, tool),
    targets: s.targets,
    ports: s.ports.count,
    probes: s.probes,
    failures: s.failures,
    probesToDetect: s.probesToDetect,
    firstSeen: s.firstSeen,
    lastSeen: s.lastProbe,
    detectors: detectors(s),
    samplePorts: Array.from(s.samplePorts.subarray(0, s.nSamplePorts)),
    sampleTargets: sampleTargets(s),
    evasion: evasionNames(s.evasion),
  };
}

/** Decode Evasion bits (tiny or overlapping fragments) as event names. */
function evasionNames(bits: number): EvasionKind[] {
  return bits !== 0 ? ['fragments'] : [];
}
