import { NumberMap } from '../../track/number-map.js';

/** A decoy group as the alert manager shows it. */
export interface DecoyGroup {
  readonly id: string;
  /** Sources in the group now. */
  readonly size: number;
}

/**
 * Sources linked into groups (union by relabelling the smaller group), in
 * fixed arrays of `capacity` members with idle expiry in packet time. Linking
 * is rare (once per pair of decoys), so relabelling and expiry scan the
 * arrays; the per-packet path only reads `groupOf`.
 */
export class GroupTable {
  private readonly index: NumberMap;
  private readonly memberKey: Float64Array;
  private readonly memberGroup: Int32Array;
  private readonly memberSeen: Float64Array;
  private readonly free: number[] = [];
  /** Per group number: id text and size (groups are numbered from 1; 0 = none). */
  private readonly ids = new Map<number, string>();
  private readonly sizes = new Map<number, number>();
  private nextGroup = 1;
  /** Links refused because the member table was full (sum). */
  dropped = 0;
  /** Members forgotten after the idle time (sum). */
  expired = 0;

  constructor(
    readonly capacity: number,
    private readonly idle: number,
  ) {
    this.index = new NumberMap(capacity);
    this.memberKey = new Float64Array(capacity);
    this.memberGroup = new Int32Array(capacity);
    this.memberSeen = new Float64Array(capacity);
    for (let i = capacity - 1; i >= 0; i--) this.free.push(i);
  }

  get members(): number {
    return this.index.size;
  }

  get groups(): number {
    return this.sizes.size;
  }

  groupOf(key: number): DecoyGroup | null {
    const m = this.index.get(key);
    if (m < 0) return null;
    const g = this.memberGroup[m];
    return { id: this.ids.get(g)!, size: this.sizes.get(g)! };
  }

  /** Put sources `a` and `b` in one group; `name` makes the id when a new group is formed. */
  link(a: number, b: number, now: number, name: () => string): void {
    let ma = this.index.get(a);
    let mb = this.index.get(b);
    if (ma < 0 && mb < 0) {
      if (this.free.length < 2) {
        this.dropped++;
        return;
      }
      const g = this.nextGroup++;
      this.ids.set(g, name());
      this.sizes.set(g, 0);
      ma = this.add(a, g, now);
      mb = this.add(b, g, now);
      return;
    }
    if (ma < 0 || mb < 0) {
      const known = ma < 0 ? mb : ma;
      this.memberSeen[known] = now;
      if (this.free.length < 1) {
        this.dropped++;
        return;
      }
      this.add(ma < 0 ? a : b, this.memberGroup[known], now);
      return;
    }
    this.memberSeen[ma] = now;
    this.memberSeen[mb] = now;
    const ga = this.memberGroup[ma];
    const gb = this.memberGroup[mb];
    if (ga === gb) return;
    // Relabel the smaller group; the larger (older, on a tie the first) keeps its id.
    const [keep, gone] = this.sizes.get(ga)! >= this.sizes.get(gb)! ? [ga, gb] : [gb, ga];
    for (let i = 0; i < this.capacity; i++) if (this.memberGroup[i] === gone && this.index.get(this.memberKey[i]) === i) this.memberGroup[i] = keep;
    this.sizes.set(keep, this.sizes.get(keep)! + this.sizes.get(gone)!);
    this.sizes.delete(gone);
    this.ids.delete(gone);
  }

  private add(key: number, g: number, now: number): number {
    const m = this.free.pop()!;
    this.index.set(key, m);
    this.memberKey[m] = key;
    this.memberGroup[m] = g;
    this.memberSeen[m] = now;
    this.sizes.set(g, this.sizes.get(g)! + 1);
    return m;
  }

  /** Forget members not linked for the idle time (about once a second). */
  expire(now: number): void {
    if (this.index.size === 0) return;
    const limit = now - this.idle;
    for (let i = 0; i < this.capacity; i++) {
      if (this.memberSeen[i] > limit || this.index.get(this.memberKey[i]) !== i) continue;
      this.index.delete(this.memberKey[i]);
      this.free.push(i);
      this.expired++;
      const g = this.memberGroup[i];
      const left = this.sizes.get(g)! - 1;
      if (left > 0) this.sizes.set(g, left);
      else {
        this.sizes.delete(g);
        this.ids.delete(g);
      }
    }
  }
}
