import { hash32 } from '../../track/hash.js';
import { Kind } from './kinds.js';
import { pow2AtLeast } from '../../lib/pow2.js';

/** What became of the one first contact a record holds. */
export const enum Outcome {
  NONE = 0,
  SUCCESS = 1,
  FAILURE = 2,
}

/**
 * Admission stage (issue 9): a source gets a full SourceState only once it
 * shows evidence worth it, a second first contact (another host, port or
 * probe kind). Until then its one first contact (and the retries of it) is
 * written here, in preallocated typed arrays, one direct-mapped slot per
 * source: a spoofed flood or backscatter, one packet per source, costs a hash
 * and a few array writes, and never creates, clears or evicts a SourceState.
 *
 * On admission the tracker replays the record into the new SourceState (the
 * probe, its answer or timeout, teardown, data), so what the detectors see is
 * what they saw when every source had a state from its first probe. A record
 * overwritten by another source hashing to the same slot is lost (counted):
 * that source starts again from its next probe.
 */
export class AdmissionTable {
  readonly mask: number;
  /** Source key + 1 per slot; 0 = empty. */
  readonly key: Float64Array;
  /** Epoch handed out when the record started (the SourceState keeps it). */
  readonly epoch: Float64Array;
  /** Packet time of the first and latest probe; of the outcome. */
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly outcomeTs: Float64Array;
  readonly dst: Float64Array;
  readonly port: Int32Array;
  /** Source port of the first probe (UDP: the socket that may get answers from new ports). */
  readonly sport: Int32Array;
  readonly kind: Uint8Array;
  /** Bit 0: the probe was a new pair; bit 1: a new kind (first contact). */
  readonly fresh: Uint8Array;
  readonly outcome: Uint8Array;
  /** The outcome was an answer (SYN-ACK, RST, ICMP, UDP reply), not a timeout. */
  readonly answered: Uint8Array;
  /** The contact's connection: handshakes torn down before data; data seen (host used). */
  readonly teardowns: Uint8Array;
  readonly used: Uint8Array;
  /** Probe packets, fingerprint counts, OS-stack and raw SYNs. */
  readonly probes: Int32Array;
  readonly fpChecked: Int32Array;
  readonly fpNmap: Int32Array;
  readonly fpMasscan: Int32Array;
  readonly fpZmap: Int32Array;
  readonly osSyn: Int32Array;
  readonly rawSyn: Int32Array;
  /**
   * 1 while the record's contact lives only here (not yet in the contact
   * table): its state for the record's kind is `st`. Any lookup that would
   * find the contact moves it to the table first (tracker: materialize).
   */
  readonly local: Uint8Array;
  readonly st: Uint8Array;
  /** Source states whose key hashes to each slot: 0 = no state, skip the LRU lookup. */
  readonly states: Int32Array;
  /** Addresses for the SourceState and its sample host (IPv6 only: IPv4 keys are the addresses). */
  readonly v6: Uint8Array;
  readonly src6: Uint32Array;
  readonly dst6: Uint32Array;
  /**
   * A technique part's first probe (technique-admission.ts): its kind
   * (Kind.PING, SCTP, IPPROTO; 0 = none), target, contact key, counted port
   * (-1: none) and ping payload (1 empty, 2 data, 0 not an echo).
   */
  readonly tkind: Uint8Array;
  readonly tdst: Float64Array;
  readonly tkey: Float64Array;
  readonly tport: Int32Array;
  readonly tping: Uint8Array;
  readonly tdst6: Uint32Array;
  /** Records started, overwritten by another source, and admitted (sum). */
  records = 0;
  overwritten = 0;
  admitted = 0;

  constructor(slots: number) {
    const n = pow2AtLeast(slots);
    this.mask = n - 1;
    this.key = new Float64Array(n);
    this.epoch = new Float64Array(n);
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.outcomeTs = new Float64Array(n);
    this.dst = new Float64Array(n);
    this.port = new Int32Array(n);
    this.sport = new Int32Array(n);
    this.kind = new Uint8Array(n);
    this.fresh = new Uint8Array(n);
    this.outcome = new Uint8Array(n);
    this.answered = new Uint8Array(n);
    this.teardowns = new Uint8Array(n);
    this.used = new Uint8Array(n);
    this.probes = new Int32Array(n);
    this.fpChecked = new Int32Array(n);
    this.fpNmap = new Int32Array(n);
    this.fpMasscan = new Int32Array(n);
    this.fpZmap = new Int32Array(n);
    this.osSyn = new Int32Array(n);
    this.rawSyn = new Int32Array(n);
    this.local = new Uint8Array(n);
    this.st = new Uint8Array(n);
    this.states = new Int32Array(n);
    this.v6 = new Uint8Array(n);
    this.src6 = new Uint32Array(4 * n);
    this.dst6 = new Uint32Array(4 * n);
    this.tkind = new Uint8Array(n);
    this.tdst = new Float64Array(n);
    this.tkey = new Float64Array(n);
    this.tport = new Int32Array(n);
    this.tping = new Uint8Array(n);
    this.tdst6 = new Uint32Array(4 * n);
  }

  get slots(): number {
    return this.mask + 1;
  }

  slotOf(src: number): number {
    return hash32(src) & this.mask;
  }

  /** Slot of `src`'s record, or -1. */
  find(src: number): number {
    const i = hash32(src) & this.mask;
    return this.key[i] === src + 1 ? i : -1;
  }

  /** Start a record for `src` in `slot` (overwriting whatever was there). */
  claim(slot: number, src: number, epoch: number, now: number): void {
    if (this.key[slot] !== 0) this.overwritten++;
    this.records++;
    this.key[slot] = src + 1;
    this.local[slot] = 0;
    this.epoch[slot] = epoch;
    this.first[slot] = now;
    this.last[slot] = now;
    this.outcome[slot] = Outcome.NONE;
    this.teardowns[slot] = 0;
    this.used[slot] = 0;
    this.probes[slot] = 0;
    this.fpChecked[slot] = 0;
    this.fpNmap[slot] = 0;
    this.fpMasscan[slot] = 0;
    this.fpZmap[slot] = 0;
    this.osSyn[slot] = 0;
    this.rawSyn[slot] = 0;
    this.tkind[slot] = 0;
  }

  /** The record leaves (its source was admitted). */
  release(slot: number): void {
    this.key[slot] = 0;
    this.admitted++;
  }

  /** Record in `slot` (src's slot) is src's, and its contact (dst, portKey) lives only in the record. */
  holdsLocal(slot: number, src: number, dst: number, portKey: number): boolean {
    return this.key[slot] === src + 1 && this.local[slot] === 1 && this.dst[slot] === dst && this.port[slot] === portKey;
  }

  /** Record in `slot` (src's slot) is src's, a UDP contact to `dst` still only in the record, sent from `sport`. */
  holdsSocket(slot: number, src: number, dst: number, sport: number): boolean {
    return this.key[slot] === src + 1 && this.local[slot] === 1 && this.kind[slot] === Kind.UDP && this.dst[slot] === dst && this.sport[slot] === sport;
  }

  /** Record `slot` belongs to `src` and holds the contact (dst, portKey). */
  holdsContact(slot: number, dst: number, portKey: number): boolean {
    return slot >= 0 && this.dst[slot] === dst && this.port[slot] === portKey;
  }
}
