import { Layer, type PacketView } from '../../decode/packet-view.js';
import type { ContactTable } from '../../track/contact-table.js';
import { hash52 } from '../../track/hash.js';
import { AdmissionTable, Outcome } from './admission.js';
import { Fp, isOsStackSyn, tcpFingerprint } from './fingerprint.js';
import { CF, Kind, SOCKET_BASE, UDP_PORT_BASE, withState } from './kinds.js';
import type { ScanPart } from './part.js';
import { addPair, type SourceState } from './source-state.js';

/** Fingerprint bits of a TCP probe that was checked (tcpFingerprint's bits are below). */
export const FP_CHECKED = 1 << 8;

/** The tracker's outcome bookkeeping (counts, parts' onOutcome, judge), replayed at admission. */
export type OutcomeFn = (s: SourceState, kind: number, dst: number, portKey: number, success: boolean, now: number) => void;

/**
 * The admission records' side of the tracker (issue 9): what a source
 * without state leaves in its record (first probe, retries, fingerprint
 * counts, outcome), moving a record's contact into the contact table when
 * something looks it up, and replaying a record into the SourceState a
 * source gets at its second first contact, so the detectors see what they
 * would have seen had the state been there from the first probe. Per-packet
 * paths: typed-array reads and writes only.
 */
export class AdmissionReplay {
  constructor(
    private readonly adm: AdmissionTable,
    private readonly contacts: ContactTable,
    private readonly parts: readonly ScanPart[],
    private readonly outcome: OutcomeFn,
  ) {}

  /** The first probe of a source without state, into its admission record. */
  recordFirst(v: PacketView, slot: number, dst: number, portKey: number, kind: number, newPair: boolean, newKind: boolean): void {
    const adm = this.adm;
    adm.dst[slot] = dst;
    adm.port[slot] = portKey;
    adm.sport[slot] = v.sport;
    adm.kind[slot] = kind;
    adm.fresh[slot] = (newPair ? 1 : 0) | (newKind ? 2 : 0);
    if (v.ipVersion === 6) {
      adm.v6[slot] = 1;
      adm.src6.set(v.src6, 4 * slot);
      adm.dst6.set(v.dst6, 4 * slot);
    } else adm.v6[slot] = 0;
  }

  /** A probe packet of a source without state (its record's contact): counts and fingerprint. */
  recordProbe(v: PacketView, slot: number, kind: number, now: number): void {
    let fp = 0;
    let os = -1;
    if ((v.layers & Layer.TCP) !== 0) {
      fp = FP_CHECKED | tcpFingerprint(v, kind);
      if (kind === Kind.SYN) os = isOsStackSyn(v) ? 1 : 0;
    }
    this.countProbe(slot, fp, os, now);
  }

  countProbe(slot: number, fp: number, os: number, now: number): void {
    const adm = this.adm;
    adm.probes[slot]++;
    adm.last[slot] = now;
    if (fp !== 0) {
      adm.fpChecked[slot]++;
      if ((fp & Fp.NMAP) !== 0) adm.fpNmap[slot]++;
      if ((fp & Fp.MASSCAN) !== 0) adm.fpMasscan[slot]++;
      if ((fp & Fp.ZMAP) !== 0) adm.fpZmap[slot]++;
    }
    if (os === 1) adm.osSyn[slot]++;
    else if (os === 0) adm.rawSyn[slot]++;
  }

  /**
   * The outcome of the first contact of a source without state, kept in its
   * record when the contact is the record's own and created since it began.
   * Returns the record's slot, or -1.
   */
  recordOutcome(src: number, created: number, epoch: number, dst: number, portKey: number, success: boolean, answered: boolean, now: number): number {
    const adm = this.adm;
    const slot = adm.find(src);
    if (slot < 0 || adm.outcome[slot] !== Outcome.NONE || !adm.holdsContact(slot, dst, portKey)) return -1;
    if (epoch >= 0 ? adm.epoch[slot] !== epoch : created < Math.floor(adm.first[slot])) return -1;
    adm.outcome[slot] = success ? Outcome.SUCCESS : Outcome.FAILURE;
    adm.answered[slot] = answered ? 1 : 0;
    adm.outcomeTs[slot] = now;
    return slot;
  }

  /**
   * If `src`'s record (in `slot`, src's slot) holds the contact (dst,
   * portKey) only in the record, move it to the contact table (created when
   * the record began), so whatever looks it up finds it as if it had always
   * been there. Returns whether it did.
   */
  materializeAt(slot: number, src: number, dst: number, portKey: number): boolean {
    if (!this.adm.holdsLocal(slot, src, dst, portKey)) return false;
    this.materializeSlot(slot);
    return true;
  }

  materializeSlot(slot: number): void {
    const adm = this.adm;
    adm.local[slot] = 0;
    const src = adm.key[slot] - 1;
    const key = hash52(src, adm.dst[slot], adm.port[slot]);
    this.contacts.set(key, withState(0, adm.kind[slot], adm.st[slot]), adm.first[slot], true, slot);
    if (adm.kind[slot] === Kind.UDP) {
      // The probing socket's marker, kept in the record until now.
      const skey = hash52(src, adm.dst[slot], SOCKET_BASE + adm.sport[slot]);
      if (this.contacts.get(skey) < 0) this.contacts.set(skey, CF.MIDSTREAM, adm.first[slot], false, slot);
    }
  }

  /**
   * A second first contact: `s` (just reset for the record's source and
   * epoch) gets the record replayed into it (probe, fingerprint counts,
   * outcome, connection facts) as if it had been there from the first probe.
   */
  replay(slot: number, s: SourceState): void {
    const adm = this.adm;
    const n = adm.probes[slot];
    if (n === 0) return;
    const first = adm.first[slot];
    const kind = adm.kind[slot];
    const dst = adm.dst[slot];
    const portKey = adm.port[slot];
    const fresh = adm.fresh[slot];
    s.probes = n;
    s.evidenceProbes = n;
    s.firstSeen = first;
    s.firstEvidence = first;
    s.lastProbe = adm.last[slot];
    s.fpChecked = adm.fpChecked[slot];
    s.fpNmap = adm.fpNmap[slot];
    s.fpMasscan = adm.fpMasscan[slot];
    s.fpZmap = adm.fpZmap[slot];
    s.osSyn = adm.osSyn[slot];
    s.rawSyn = adm.rawSyn[slot];
    const newKind = (fresh & 2) !== 0;
    const newPair = (fresh & 1) !== 0;
    if (newKind && kind !== Kind.ACK && kind !== Kind.MAIMON) s.kindCount[kind]++;
    if (newPair) addPair(s, dst, portKey >= UDP_PORT_BASE ? portKey - UDP_PORT_BASE : portKey, portKey, s.v6, dst, adm.dst6, 4 * slot);
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) parts[i].onProbe?.(s, kind, dst, portKey, newPair, newKind, first);
    const outcome = adm.outcome[slot];
    if (outcome !== Outcome.NONE) {
      if (adm.answered[slot] === 1) {
        if (kind === Kind.SYN) s.answeredSyn++;
        else if (kind === Kind.UDP) s.answeredUdp++;
      }
      this.outcome(s, kind, dst, portKey, outcome === Outcome.SUCCESS, adm.outcomeTs[slot]);
    }
    s.teardowns = adm.teardowns[slot];
    if (adm.used[slot] === 1) s.markUsed(dst);
  }
}
