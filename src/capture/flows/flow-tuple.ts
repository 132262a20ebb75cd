import { ipv6Key } from '../../decode/address.js';

/**
 * A flow's 5-tuple, declared once: the decoders fill it in a FlowRecord, the
 * batch copies it (forward or reversed) into its own entries with copyTuple(),
 * and the view filler writes it into the PacketView. Numbers and two reused
 * Uint32Arrays only: no allocation per flow.
 */
export class FlowTuple {
  /** 4 or 6. */
  ipVersion = 0;
  src4 = 0;
  dst4 = 0;
  readonly src6 = new Uint32Array(4);
  readonly dst6 = new Uint32Array(4);
  proto = 0;
  sport = 0;
  dport = 0;

  resetTuple(): void {
    this.ipVersion = 0;
    this.src4 = 0;
    this.dst4 = 0;
    this.src6.fill(0);
    this.dst6.fill(0);
    this.proto = 0;
    this.sport = 0;
    this.dport = 0;
  }
}

/** A tuple with the per-host table keys (IPv4 value or ipv6Key) the batch pairs on. */
export class KeyedTuple extends FlowTuple {
  srcKey = 0;
  dstKey = 0;

  /** Copy `t`, or `t` reversed (dst -> src), and compute the host keys. */
  copyTuple(t: FlowTuple, reverse: boolean): void {
    this.ipVersion = t.ipVersion;
    this.proto = t.proto;
    this.sport = reverse ? t.dport : t.sport;
    this.dport = reverse ? t.sport : t.dport;
    if (t.ipVersion === 4) {
      this.src4 = reverse ? t.dst4 : t.src4;
      this.dst4 = reverse ? t.src4 : t.dst4;
      this.srcKey = this.src4;
      this.dstKey = this.dst4;
    } else {
      this.src6.set(reverse ? t.dst6 : t.src6);
      this.dst6.set(reverse ? t.src6 : t.dst6);
      this.srcKey = ipv6Key(this.src6);
      this.dstKey = ipv6Key(this.dst6);
    }
  }
}

/** Whether `b` runs between the same two hosts as `a`, the other way (an answer or an error about `a`). */
export function sameHostsReversed(a: FlowTuple, b: FlowTuple): boolean {
  if (a.ipVersion !== b.ipVersion) return false;
  if (a.ipVersion === 4) return a.src4 === b.dst4 && a.dst4 === b.src4;
  for (let i = 0; i < 4; i++) if (a.src6[i] !== b.dst6[i] || a.dst6[i] !== b.src6[i]) return false;
  return true;
}
