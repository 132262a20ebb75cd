import { hash32 } from '../../track/hash.js';
import { pow2AtLeast } from '../../lib/pow2.js';

/**
 * Admission stage of the victim detector (issue 9), as the scan tracker's
 * (../scan/admission.ts): a destination gets a victim slot (six sketches,
 * heavy hitters, an LRU entry) only at its (k+1)-th SYN in one window, or at
 * its first SYN in a later window. Until then its SYNs are written here, in
 * preallocated typed arrays, one direct-mapped record per destination: the
 * source hash, port and connection key of each SYN, and the sources of the
 * ones found unanswered. A SYN sweep or a spoofed flood spread over many
 * destinations (one or a few SYNs each) then costs a hash and a few array
 * writes per packet instead of a victim slot cleared and evicted.
 *
 * Admission replays the record into the new slot: HyperLogLog adds are
 * idempotent and order-free, the port and source heavy hitters see the same
 * sequences, and every count belongs to the record's one window, so the
 * slot holds what it would have held had it been created at the first SYN.
 * k stays below --distributed-min-unanswered: a record is never judgeable.
 * A record overwritten by another destination hashing to its slot is lost
 * (counted), as a victim evicted from a full table is.
 */
export class VictimRecords {
  readonly mask: number;
  /** SYNs one record holds. */
  readonly k: number;
  /** Destination key + 1 per record; 0 = empty. */
  readonly key: Float64Array;
  /** Bumped when a record is given up or admitted: late unanswered SYNs of the old one are ignored. */
  readonly gen: Float64Array;
  /** Window start (aligned), time of the window's first SYN, latest SYN. */
  readonly win: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  /** SYNs held; unanswered SYNs found. */
  readonly n: Uint8Array;
  readonly nu: Uint8Array;
  /** Per SYN j of record r at r * k + j: source hash, destination port, connection key. */
  readonly sh: Float64Array;
  readonly dport: Int32Array;
  readonly conn: Float64Array;
  /** Sources (address keys) of the unanswered SYNs, in the order found. */
  readonly usrc: Float64Array;
  /** Records started, overwritten by another destination, admitted (sum). */
  records = 0;
  overwritten = 0;
  admitted = 0;

  constructor(slots: number, k: number) {
    const n = pow2AtLeast(slots);
    this.mask = n - 1;
    this.k = k;
    this.key = new Float64Array(n);
    this.gen = new Float64Array(n);
    this.win = new Float64Array(n);
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.n = new Uint8Array(n);
    this.nu = new Uint8Array(n);
    this.sh = new Float64Array(n * k);
    this.dport = new Int32Array(n * k);
    this.conn = new Float64Array(n * k);
    this.usrc = new Float64Array(n * k);
  }

  slotOf(dst: number): number {
    return hash32(dst) & this.mask;
  }

  /** Start a record for `dst` in `r` (overwriting whatever was there). */
  claim(r: number, dst: number, win: number): void {
    if (this.key[r] !== 0) this.overwritten++;
    this.records++;
    this.key[r] = dst + 1;
    this.gen[r]++;
    this.win[r] = win;
    this.n[r] = 0;
    this.nu[r] = 0;
  }

  /** A counted SYN into record `r` (the caller checked n < k). */
  add(r: number, sh: number, dport: number, conn: number): void {
    const j = r * this.k + this.n[r]++;
    this.sh[j] = sh;
    this.dport[j] = dport;
    this.conn[j] = conn;
  }

  /** The record leaves (its destination got a victim slot). */
  release(r: number): void {
    this.key[r] = 0;
    this.gen[r]++;
    this.admitted++;
  }
}
