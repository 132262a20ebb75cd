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
/**
 * Where each field of a record sits: a record is 128 bytes (two cache lines)
 * of one ArrayBuffer, read through three views. Its index in `f64` is
 * `slot * 16 + F.x`, in `i32` `slot * 32 + I.x`, in `u8` `slot * 128 + U.x`.
 * One array per field (33 of them) cost a new source of a spoofed flood a
 * cache miss per field it touched, about 20 (issue 9); the fields every
 * packet of a new source reads or writes share the first line.
 * Bytes 0-39, 64-87: doubles; 40-55, 88-115: int32; 56-63, 116-118: uint8.
 */
export const enum F {
  /** Source key + 1; 0 = empty. */
  key = 0,
  /** Packet time of the latest and first probe. */
  last = 1,
  first = 2,
  /** Epoch handed out when the record started (the SourceState keeps it). */
  epoch = 3,
  dst = 4,
  /** Packet time of the outcome. */
  outcomeTs = 8,
  /** A technique part's first probe (technique-admission.ts): target and contact key. */
  tdst = 9,
  tkey = 10,
}

export const enum I {
  /** Source states whose key hashes to the slot: 0 = no state, skip the LRU lookup. */
  states = 10,
  port = 11,
  /** Source port of the first probe (UDP: the socket that may get answers from new ports). */
  sport = 12,
  /** Probe packets, fingerprint counts, OS-stack and raw SYNs. */
  probes = 13,
  fpChecked = 22,
  fpNmap = 23,
  fpMasscan = 24,
  fpZmap = 25,
  osSyn = 26,
  rawSyn = 27,
  /** The technique probe's counted port (-1: none). */
  tport = 28,
}

export const enum U {
  /**
   * 1 while the record's contact lives only here (not yet in the contact
   * table): its state for the record's kind is `st`. Any lookup that would
   * find the contact moves it to the table first (tracker: materialize).
   */
  local = 56,
  st = 57,
  kind = 58,
  /** Bit 0: the probe was a new pair; bit 1: a new kind (first contact). */
  fresh = 59,
  outcome = 60,
  /** The technique probe's kind (Kind.PING, SCTP, IPPROTO; 0 = none). */
  tkind = 61,
  /** The source is IPv6 (its address in src6). */
  v6 = 62,
  /** The contact's connection saw data (host used). */
  used = 63,
  /** The outcome was an answer (SYN-ACK, RST, ICMP, UDP reply), not a timeout. */
  answered = 116,
  /** Handshakes of the contact torn down before data. */
  teardowns = 117,
  /** The technique probe's ping payload (1 empty, 2 data, 0 not an echo). */
  tping = 118,
}

/** Bytes per record. */
const RECORD = 128;

export class AdmissionTable {
  readonly mask: number;
  /** The records' fields (see F, I, U). */
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  /** Addresses for the SourceState and its sample hosts (IPv6 only: IPv4 keys are the addresses). */
  readonly src6: Uint32Array;
  readonly dst6: Uint32Array;
  readonly tdst6: Uint32Array;
  /** Records started, overwritten by another source, and admitted (sum). */
  records = 0;
  overwritten = 0;
  admitted = 0;

  constructor(slots: number) {
    const n = pow2AtLeast(slots);
    this.mask = n - 1;
    const buf = new ArrayBuffer(n * RECORD);
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
    this.src6 = new Uint32Array(4 * n);
    this.dst6 = new Uint32Array(4 * n);
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
    return this.f64[i * 16 + F.key] === src + 1 ? i : -1;
  }

  /** Start a record for `src` in `slot` (overwriting whatever was there). */
  claim(slot: number, src: number, epoch: number, now: number): void {
    if (this.f64[slot * 16 + F.key] !== 0) this.overwritten++;
    this.records++;
    this.f64[slot * 16 + F.key] = src + 1;
    this.u8[slot * 128 + U.local] = 0;
    this.f64[slot * 16 + F.epoch] = epoch;
    this.f64[slot * 16 + F.first] = now;
    this.f64[slot * 16 + F.last] = now;
    this.u8[slot * 128 + U.outcome] = Outcome.NONE;
    this.u8[slot * 128 + U.teardowns] = 0;
    this.u8[slot * 128 + U.used] = 0;
    this.i32[slot * 32 + I.probes] = 0;
    this.i32[slot * 32 + I.fpChecked] = 0;
    this.i32[slot * 32 + I.fpNmap] = 0;
    this.i32[slot * 32 + I.fpMasscan] = 0;
    this.i32[slot * 32 + I.fpZmap] = 0;
    this.i32[slot * 32 + I.osSyn] = 0;
    this.i32[slot * 32 + I.rawSyn] = 0;
    this.u8[slot * 128 + U.tkind] = 0;
  }

  /** The record leaves (its source was admitted). */
  release(slot: number): void {
    this.f64[slot * 16 + F.key] = 0;
    this.admitted++;
  }

  /** Record in `slot` (src's slot) is src's, and its contact (dst, portKey) lives only in the record. */
  holdsLocal(slot: number, src: number, dst: number, portKey: number): boolean {
    return this.f64[slot * 16 + F.key] === src + 1 && this.u8[slot * 128 + U.local] === 1 && this.f64[slot * 16 + F.dst] === dst && this.i32[slot * 32 + I.port] === portKey;
  }

  /** Record in `slot` (src's slot) is src's, a UDP contact to `dst` still only in the record, sent from `sport`. */
  holdsSocket(slot: number, src: number, dst: number, sport: number): boolean {
    return this.f64[slot * 16 + F.key] === src + 1 && this.u8[slot * 128 + U.local] === 1 && this.u8[slot * 128 + U.kind] === Kind.UDP && this.f64[slot * 16 + F.dst] === dst && this.i32[slot * 32 + I.sport] === sport;
  }

  /** Record `slot` belongs to `src` and holds the contact (dst, portKey). */
  holdsContact(slot: number, dst: number, portKey: number): boolean {
    return slot >= 0 && this.f64[slot * 16 + F.dst] === dst && this.i32[slot * 32 + I.port] === portKey;
  }
}
