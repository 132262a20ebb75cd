import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, PacketView } from '../../decode/packet-view.js';
import type { PacketHandler } from '../source.js';
import { Entry } from './flow-entry.js';
import { FlowExpander } from './flow-expand.js';
import { PairIndex } from './flow-pairs.js';
import { Role, type FlowRecord } from './flow-record.js';
import { decideRole, isUnreachable, splitCumulativeFlags } from './flow-roles.js';
import { fillView } from './view-fill.js';

/**
 * Flow records in, packet views out: what the detectors would have seen on
 * the wire, as far as a flow record tells. This file holds the batch: it
 * copies each record's directions into pooled entries (flow-entry.ts), holds
 * them, then pairs directions (flow-pairs.ts), decides who opened
 * (flow-roles.ts), plans the views (flow-expand.ts) and fills the one
 * PacketView per view (view-fill.ts).
 *
 * Records are held for `holdMs` after input stops (a debounce, at most
 * max(1 s, 10 x holdMs)) so that a probe and its answer arriving in separate
 * datagrams or lines are sorted together. Across batches the views are kept
 * in time order by stamping a late view with the latest time already handed
 * out (the detector contract: packet-time order); such views are counted as
 * late.
 *
 * Memory: entries and events are pooled and reused; a batch holds at most
 * `maxHeld` records before it is flushed early.
 */

export interface FlowViewOptions {
  /** 'flow': the flow's own start/end when the record has them (else arrival); 'arrival': always arrival. */
  readonly time: 'flow' | 'arrival';
  /** Most views made from one flow for repeated probes (its packet count). */
  readonly maxRepeat: number;
  /** Hold records this long (ms) after input stops before sorting and handing them on; 0 = per input chunk. */
  readonly holdMs: number;
  /** Flush early when this many flow directions are held. */
  readonly maxHeld: number;
}

/** Wall clock and timers of the hold; tests inject a manual one (as WarnLimiter takes `now`). */
export interface HoldClock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

const REAL_CLOCK: HoldClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
};

/** A flow may start at most this far (s) after it arrived (exporter clock skew); later is a wrong clock. */
const FUTURE_SLACK = 600;

export class FlowViews {
  handler: PacketHandler | null = null;
  private readonly view = new PacketView();
  private readonly entries: Entry[] = [];
  private nEntries = 0;
  private readonly expander: FlowExpander;
  private readonly pairs = new PairIndex();
  /** Hash slots looked at while pairing directions (for tests: stays linear in the records). */
  get pairSteps(): number {
    return this.pairs.steps;
  }
  private readonly split = new Int32Array(1);
  private seqNo = 0;
  private unreachables = 0;
  private lastTs = 0;
  private timer: unknown = null;
  private firstArrival = -1;
  private lastArrival = 0;
  private readonly maxWaitMs: number;

  // counters (sum)
  records = 0;
  biflows = 0;
  flagsSplit = 0;
  flowTimed = 0;
  arrivalTimed = 0;
  futureTimed = 0;
  paired = 0;
  views = 0;
  lateViews = 0;
  batches = 0;
  get repeatedViews(): number {
    return this.expander.repeatedViews;
  }
  get quotedProbes(): number {
    return this.expander.quotedProbes;
  }

  constructor(
    private readonly o: FlowViewOptions,
    private readonly clock: HoldClock = REAL_CLOCK,
  ) {
    this.maxWaitMs = Math.max(1000, 10 * o.holdMs);
    this.expander = new FlowExpander(o.maxRepeat);
  }

  /** Flow directions waiting in the open batch. */
  get held(): number {
    return this.nEntries;
  }

  /** Take one record (copied; the record is free again on return). */
  add(rec: FlowRecord, arrival: number): void {
    this.records++;
    let ts0: number;
    let ts1: number;
    if (this.o.time === 'flow' && rec.start > 0 && rec.start <= arrival + FUTURE_SLACK) {
      ts0 = rec.start;
      ts1 = rec.end >= ts0 ? Math.min(rec.end, arrival + FUTURE_SLACK) : ts0;
      this.flowTimed++;
    } else {
      // No time, or one in the future: a wrong exporter clock must not drag
      // the detectors' clock (kept monotonic below) ahead for good.
      if (rec.start > arrival + FUTURE_SLACK) this.futureTimed++;
      ts0 = ts1 = arrival;
      this.arrivalTimed++;
    }
    const tcp = rec.proto === IPPROTO_TCP;
    if (rec.revPackets > 0) {
      this.biflows++;
      let fwd = rec.tcpFlags;
      let rev = rec.revFlags;
      if (tcp && rev < 0) {
        rev = splitCumulativeFlags(rec.tcpFlags, Math.max(1, rec.packets), rec.revPackets, this.split);
        fwd = this.split[0];
        this.flagsSplit++;
      }
      const fr = rec.role;
      const rr = fr === Role.INITIATOR ? Role.RESPONDER : fr === Role.RESPONDER ? Role.INITIATOR : Role.UNKNOWN;
      this.push(rec, false, ts0, ts1, fwd, rec.packets, rec.bytes, fr);
      if (tcp ? rev >= 0 : reverseIcmpType(rec) !== -2) this.push(rec, true, ts0, ts1, tcp ? rev : 0, rec.revPackets, rec.revBytes, rr);
    } else {
      this.push(rec, false, ts0, ts1, rec.tcpFlags, rec.packets, rec.bytes, rec.role);
    }
    if (this.nEntries >= this.o.maxHeld) this.flush();
  }

  /** After a chunk of input: flush now (holdMs 0), or (re)arm the hold timer. */
  settle(): void {
    if (this.nEntries === 0) return;
    if (this.o.holdMs <= 0) {
      this.flush();
      return;
    }
    const now = this.clock.now();
    this.lastArrival = now;
    if (this.firstArrival < 0) this.firstArrival = now;
    if (this.timer === null) this.timer = this.clock.setTimer(this.onTimer, this.o.holdMs);
  }

  /** Hand everything held on (end of input, stop). */
  close(): void {
    this.flush();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    const now = this.clock.now();
    const quiet = now - this.lastArrival;
    if (quiet >= this.o.holdMs - 1 || now - this.firstArrival >= this.maxWaitMs) this.flush();
    else this.timer = this.clock.setTimer(this.onTimer, Math.max(1, this.o.holdMs - quiet));
  };

  private push(rec: FlowRecord, reverse: boolean, ts0: number, ts1: number, flags: number, packets: number, bytes: number, role: Role): void {
    let e = this.entries[this.nEntries];
    if (e === undefined) {
      e = new Entry();
      this.entries.push(e);
    }
    this.nEntries++;
    e.ts0 = ts0;
    e.ts1 = ts1;
    e.copyTuple(rec, reverse);
    e.icmpType = -1;
    e.icmpCode = -1;
    if (rec.proto === IPPROTO_ICMP || rec.proto === IPPROTO_ICMPV6) {
      if (reverse) {
        e.icmpType = reverseIcmpType(rec);
        e.icmpCode = 0;
      } else if (rec.icmpType >= 0) {
        e.icmpType = rec.icmpType;
        e.icmpCode = Math.max(0, rec.icmpCode);
      } else {
        // NetFlow's convention: type * 256 + code in the destination port.
        const tc = rec.dport !== 0 ? rec.dport : rec.sport;
        e.icmpType = tc >>> 8;
        e.icmpCode = tc & 255;
      }
      e.sport = 0;
      e.dport = 0;
      if (isUnreachable(e.proto, e.icmpType)) this.unreachables++;
    }
    e.flags = rec.proto === IPPROTO_TCP ? flags & 0x1ff : 0;
    e.packets = packets > 0 ? packets : 1;
    e.bytes = bytes > 0 ? bytes : 0;
    e.role = role;
    e.seq = this.seqNo++;
    e.partner = -1;
    e.nextSamePair = -1;
    e.quoted = false;
  }

  /** Pair, decide roles, expand, sort, and hand every held flow on as views. */
  flush(): void {
    if (this.timer !== null) {
      this.clock.clearTimer(this.timer);
      this.timer = null;
    }
    this.firstArrival = -1;
    const n = this.nEntries;
    if (n === 0) return;
    this.batches++;
    const entries = this.entries;
    this.pairs.build(entries, n);
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      const j = this.pairs.partner(entries, e);
      if (j !== i) e.partner = j;
    }
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      if (e.partner >= 0) this.paired++;
      if (e.role === Role.UNKNOWN) e.role = decideRole(e, e.partner >= 0 ? entries[e.partner] : null);
    }
    this.emit(this.expander.expand(entries, n, this.unreachables));
    this.nEntries = 0;
    this.unreachables = 0;
  }

  /** Hand the planned views on in order, never earlier than a view already handed on. */
  private emit(n: number): void {
    const order = this.expander.order;
    const handler = this.handler;
    let floor = this.lastTs;
    for (let i = 0; i < n; i++) {
      const ev = order[i];
      let ts = ev.ts;
      if (ts < floor) {
        if (ts < floor - 1e-6) this.lateViews++;
        ts = floor;
      } else floor = ts;
      if (handler !== null) {
        fillView(this.view, ev, ts);
        this.views++;
        handler(this.view);
      }
    }
    this.lastTs = floor;
  }
}

/** The type of the answer in an ICMP biflow: echo reply to an echo request; -2 when there is no telling. */
function reverseIcmpType(rec: FlowRecord): number {
  if (rec.proto !== IPPROTO_ICMP && rec.proto !== IPPROTO_ICMPV6) return -1;
  const type = rec.icmpType >= 0 ? rec.icmpType : (rec.dport !== 0 ? rec.dport : rec.sport) >>> 8;
  if (rec.proto === IPPROTO_ICMP) return type === 8 ? 0 : -2;
  return type === 128 ? 129 : -2;
}
