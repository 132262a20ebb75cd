import { ipv6Key } from '../../decode/address.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, Layer, PacketView, TcpFlag } from '../../decode/packet-view.js';
import { hash52 } from '../../track/hash.js';
import type { PacketHandler } from '../source.js';
import { Role, type FlowRecord } from './flow-record.js';
import { PairIndex, type Tuple } from './flow-pairs.js';
import { decideRole, isUnreachable, splitCumulativeFlags, type DirectionFacts } from './flow-roles.js';

/**
 * Flow records in, packet views out: what the detectors would have seen on
 * the wire, as far as a flow record tells.
 *
 * A flow is one direction with the OR of its TCP flags and a packet count, so
 * each becomes the few packets that explain it (docs/flows.md has the table):
 * - a SYN without ACK is the probe, once per packet (retries, up to
 *   `maxRepeat`), then a RST if the flags have one (nmap -sS on an open port);
 * - a SYN with ACK from the side that opened is SYN, ACK, then FIN/RST at the
 *   end (connect scan: a handshake torn down); from the side that answered it
 *   is SYN-ACK, then FIN/RST;
 * - no SYN: the flags as one packet (RST|ACK answers, NULL/FIN/Xmas probes
 *   once per packet, mid-connection data);
 * - UDP: one datagram per packet for the opener (up to `maxRepeat`), one for
 *   the answerer; ICMP: one message, and an ICMP destination unreachable
 *   quotes the unanswered UDP probes from its destination to its source
 *   in the same batch, one per error packet.
 *
 * Records are held for `holdMs` after input stops (a debounce, at most
 * max(1 s, 10 x holdMs)) so that a probe and its answer arriving in separate
 * datagrams or lines are sorted together; a batch is ordered by time, then by
 * phase (opening packet, answer, follow-up, teardown), so an answer never
 * comes before its probe. Across batches the views are kept in time order by
 * stamping a late view with the latest time already handed out (the detector
 * contract: packet-time order); such views are counted as late.
 *
 * Memory: entries and events are pooled and reused; a batch holds at most
 * `maxHeld` records before it is flushed early.
 */

export const enum Phase {
  OPEN = 0,
  ANSWER = 1,
  FOLLOW = 2,
  CLOSE = 3,
}

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

const S = TcpFlag.SYN;
const A = TcpFlag.ACK;
const R = TcpFlag.RST;
const F = TcpFlag.FIN;
const P = TcpFlag.PSH;
/** A flow may start at most this far (s) after it arrived (exporter clock skew); later is a wrong clock. */
const FUTURE_SLACK = 600;
/** An ICMP unreachable quotes probes sent at most this long before its first packet. */
const QUOTE_WINDOW = 10;

/** One direction of one flow, copied out of the record. */
class Entry implements DirectionFacts, Tuple {
  ts0 = 0;
  ts1 = 0;
  ipVersion = 0;
  src4 = 0;
  dst4 = 0;
  readonly src6 = new Uint32Array(4);
  readonly dst6 = new Uint32Array(4);
  srcKey = 0;
  dstKey = 0;
  proto = 0;
  sport = 0;
  dport = 0;
  flags = 0;
  packets = 1;
  bytes = 0;
  role: Role = Role.UNKNOWN;
  icmpType = -1;
  icmpCode = -1;
  seq = 0;
  /** Index of the reverse direction in the batch, or -1. */
  partner = -1;
  /** Next unanswered UDP entry between the same two hosts (ICMP quoting), or -1. */
  nextSamePair = -1;
  quoted = false;
}

/** One view to make: a time, a phase, flags, and the entry it comes from. */
class Ev {
  ts = 0;
  phase = 0;
  seq = 0;
  entry: Entry | null = null;
  flags = 0;
  payload = 0;
  /** The UDP probe an ICMP unreachable quotes, or null. */
  quote: Entry | null = null;
}

function byTimeThenPhase(a: Ev, b: Ev): number {
  return a.ts - b.ts || a.phase - b.phase || a.seq - b.seq;
}

export class FlowViews {
  handler: PacketHandler | null = null;
  private readonly view = new PacketView();
  private readonly entries: Entry[] = [];
  private nEntries = 0;
  private readonly events: Ev[] = [];
  private nEvents = 0;
  private readonly order: Ev[] = [];
  private readonly pairs = new PairIndex();
  /** Hash slots looked at while pairing directions (for tests: stays linear in the records). */
  get pairSteps(): number {
    return this.pairs.steps;
  }
  private readonly pairHeads = new Map<number, number>();
  private readonly candidates: number[] = [];
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
  repeatedViews = 0;
  lateViews = 0;
  quotedProbes = 0;
  batches = 0;

  constructor(
    private readonly o: FlowViewOptions,
    private readonly clock: HoldClock = REAL_CLOCK,
  ) {
    this.maxWaitMs = Math.max(1000, 10 * o.holdMs);
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
    e.ipVersion = rec.ipVersion;
    if (rec.ipVersion === 4) {
      e.src4 = reverse ? rec.dst4 : rec.src4;
      e.dst4 = reverse ? rec.src4 : rec.dst4;
      e.srcKey = e.src4;
      e.dstKey = e.dst4;
    } else {
      e.src6.set(reverse ? rec.dst6 : rec.src6);
      e.dst6.set(reverse ? rec.src6 : rec.dst6);
      e.srcKey = ipv6Key(e.src6);
      e.dstKey = ipv6Key(e.dst6);
    }
    e.proto = rec.proto;
    e.sport = reverse ? rec.dport : rec.sport;
    e.dport = reverse ? rec.sport : rec.dport;
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
    if (this.unreachables > 0) this.chainUnansweredUdp(n);
    for (let i = 0; i < n; i++) this.expand(entries[i]);
    this.emit();
    this.nEntries = 0;
    this.nEvents = 0;
    this.unreachables = 0;
  }

  /** Link the unanswered UDP probes of each host pair, latest first. */
  private chainUnansweredUdp(n: number): void {
    const heads = this.pairHeads;
    heads.clear();
    const entries = this.entries;
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      if (e.proto !== IPPROTO_UDP || e.partner >= 0) continue;
      const k = hash52(e.srcKey, e.dstKey, IPPROTO_UDP);
      const h = heads.get(k);
      e.nextSamePair = h === undefined ? -1 : h;
      heads.set(k, i);
    }
  }

  private expand(e: Entry): void {
    switch (e.proto) {
      case IPPROTO_TCP:
        this.expandTcp(e);
        return;
      case IPPROTO_UDP:
        if (e.role === Role.RESPONDER) this.ev(e, this.answerTime(e), Phase.ANSWER, 0, this.payloadOf(e));
        else this.repeat(e, Phase.OPEN, 0, this.payloadOf(e), e.packets);
        return;
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6:
        if (this.unreachables > 0 && isUnreachable(e.proto, e.icmpType) && this.quoteProbes(e) > 0) return;
        if (e.role === Role.RESPONDER) this.ev(e, this.answerTime(e), Phase.ANSWER, 0, 0);
        else this.ev(e, e.ts0, Phase.OPEN, 0, 0);
        return;
      default:
        this.ev(e, e.ts0, Phase.OPEN, 0, 0);
    }
  }

  private expandTcp(e: Entry): void {
    const f = e.flags;
    if ((f & S) !== 0) {
      if ((f & A) === 0) {
        // The probe, once per packet; nmap -sS resets an open port afterwards.
        const rst = (f & R) !== 0;
        this.repeat(e, Phase.OPEN, f & ~R, 0, e.packets - (rst ? 1 : 0));
        if (rst) this.ev(e, e.ts1, Phase.CLOSE, R, 0);
        return;
      }
      const t = this.answerTime(e);
      if (e.role === Role.RESPONDER) {
        this.ev(e, t, Phase.ANSWER, S | A | (f & TcpFlag.ECE), 0);
        if ((f & P) !== 0) this.ev(e, t, Phase.FOLLOW, A | P, this.payloadOf(e));
      } else {
        this.ev(e, e.ts0, Phase.OPEN, S | (f & (TcpFlag.ECE | TcpFlag.CWR)), 0);
        this.ev(e, t, Phase.FOLLOW, A | (f & P), (f & P) !== 0 ? this.payloadOf(e) : 0);
      }
      if ((f & (F | R)) !== 0) this.ev(e, Math.max(e.ts1, t), Phase.CLOSE, A | (f & (F | R)), 0);
      return;
    }
    if ((f & R) !== 0) {
      const t = this.answerTime(e);
      if ((f & P) !== 0) {
        // A connection we saw only the middle of, ended by a reset.
        this.ev(e, e.ts0, Phase.FOLLOW, f & ~R, this.payloadOf(e));
        this.ev(e, Math.max(e.ts1, t), Phase.CLOSE, R | (f & A), 0);
      } else this.ev(e, t, Phase.ANSWER, f, 0);
      return;
    }
    if ((f & A) === 0) {
      // NULL, FIN, Xmas...: probes, once per packet.
      this.repeat(e, Phase.OPEN, f, 0, e.packets);
      return;
    }
    // ACK without SYN or RST: the middle of a connection, or an ACK / FIN+ACK probe.
    const payload = (f & P) !== 0 ? this.payloadOf(e) : 0;
    if (e.role === Role.RESPONDER) this.ev(e, this.answerTime(e), Phase.FOLLOW, f, payload);
    else this.ev(e, e.ts0, Phase.OPEN, f, payload);
  }

  /**
   * An ICMP destination unreachable from B to A with N packets: quote up to N
   * unanswered UDP probes A sent to B in this batch (spread evenly over them
   * when there are more), each failed at its own time within the error flow.
   */
  private quoteProbes(e: Entry): number {
    const cand = this.candidates;
    cand.length = 0;
    const entries = this.entries;
    let i = this.pairHeads.get(hash52(e.dstKey, e.srcKey, IPPROTO_UDP));
    while (i !== undefined && i >= 0) {
      const q = entries[i];
      if (!q.quoted && q.ts0 <= e.ts1 + 1 && q.ts0 >= e.ts0 - QUOTE_WINDOW && sameHosts(q, e)) cand.push(i);
      i = q.nextSamePair;
    }
    if (cand.length === 0) return 0;
    cand.sort((a, b) => entries[a].ts0 - entries[b].ts0 || a - b);
    const take = Math.min(e.packets, cand.length);
    const stride = cand.length / take;
    for (let k = 0; k < take; k++) {
      const q = entries[cand[Math.floor(k * stride)]];
      q.quoted = true;
      const t = Math.min(Math.max(q.ts0, e.ts0), Math.max(e.ts1, e.ts0));
      const ev = this.ev(e, t, Phase.ANSWER, 0, 0);
      ev.quote = q;
    }
    this.quotedProbes += take;
    return take;
  }

  /** An answer is never earlier than the start of what it answers. */
  private answerTime(e: Entry): number {
    return e.partner >= 0 ? Math.max(e.ts0, this.entries[e.partner].ts0) : e.ts0;
  }

  /** `count` copies spread evenly over the flow's life, at most maxRepeat. */
  private repeat(e: Entry, phase: Phase, flags: number, payload: number, count: number): void {
    const n = Math.min(Math.max(1, count), this.o.maxRepeat);
    const span = e.ts1 - e.ts0;
    for (let i = 0; i < n; i++) this.ev(e, e.ts0 + (span * i) / n, phase, flags, payload);
    this.repeatedViews += n - 1;
  }

  /** Bytes per packet minus headers (TCP: 20 + 12 bytes of usual options), at least 1 with PSH. */
  private payloadOf(e: Entry): number {
    const ip = e.ipVersion === 4 ? 20 : 40;
    const tcp = e.proto === IPPROTO_TCP;
    const hdr = ip + (tcp ? 32 : 8);
    const avg = e.bytes > 0 ? Math.floor(e.bytes / e.packets) : 0;
    const p = Math.max(0, avg - hdr);
    return tcp && (e.flags & P) !== 0 ? Math.max(1, p) : p;
  }

  private ev(e: Entry, ts: number, phase: Phase, flags: number, payload: number): Ev {
    let ev = this.events[this.nEvents];
    if (ev === undefined) {
      ev = new Ev();
      this.events.push(ev);
    }
    this.nEvents++;
    ev.ts = ts;
    ev.phase = phase;
    ev.seq = this.nEvents;
    ev.entry = e;
    ev.flags = flags;
    ev.payload = payload;
    ev.quote = null;
    return ev;
  }

  private emit(): void {
    const n = this.nEvents;
    const order = this.order;
    order.length = n;
    for (let i = 0; i < n; i++) order[i] = this.events[i];
    order.sort(byTimeThenPhase);
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
        this.fill(ev, ts);
        this.views++;
        handler(this.view);
      }
    }
    this.lastTs = floor;
  }

  private fill(ev: Ev, ts: number): void {
    const v = this.view;
    const e = ev.entry!;
    v.resetDecoded();
    let sec = Math.floor(ts);
    let nsec = Math.round((ts - sec) * 1e9);
    if (nsec >= 1e9) {
      sec++;
      nsec = 0;
    }
    v.tsSec = sec;
    v.tsNsec = nsec;
    v.ts = ts;
    v.caplen = 0;
    v.wirelen = e.bytes > 0 ? Math.round(e.bytes / e.packets) : 0;
    v.ipVersion = e.ipVersion;
    let layers = e.ipVersion === 4 ? Layer.IPV4 : Layer.IPV6;
    if (e.ipVersion === 4) {
      v.src4 = e.src4;
      v.dst4 = e.dst4;
    } else {
      v.src6.set(e.src6);
      v.dst6.set(e.dst6);
    }
    v.proto = e.proto;
    switch (e.proto) {
      case IPPROTO_TCP:
        layers |= Layer.TCP;
        v.sport = e.sport;
        v.dport = e.dport;
        v.tcpFlags = ev.flags;
        v.payloadLength = ev.payload;
        break;
      case IPPROTO_UDP:
        layers |= Layer.UDP;
        v.sport = e.sport;
        v.dport = e.dport;
        v.payloadLength = ev.payload;
        break;
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6: {
        layers |= e.proto === IPPROTO_ICMP ? Layer.ICMP4 : Layer.ICMP6;
        v.icmpType = e.icmpType;
        v.icmpCode = e.icmpCode;
        const q = ev.quote;
        if (q !== null) {
          layers |= Layer.ICMP_QUOTE;
          v.innerProto = q.proto;
          if (q.ipVersion === 4) {
            v.innerSrc4 = q.src4;
            v.innerDst4 = q.dst4;
          } else {
            v.innerSrc6.set(q.src6);
            v.innerDst6.set(q.dst6);
          }
          v.innerSport = q.sport;
          v.innerDport = q.dport;
        }
        break;
      }
      default:
        break;
    }
    v.layers = layers;
  }
}

function sameHosts(probe: Entry, err: Entry): boolean {
  if (probe.ipVersion !== err.ipVersion) return false;
  if (probe.ipVersion === 4) return probe.src4 === err.dst4 && probe.dst4 === err.src4;
  for (let i = 0; i < 4; i++) if (probe.src6[i] !== err.dst6[i] || probe.dst6[i] !== err.src6[i]) return false;
  return true;
}

/** The type of the answer in an ICMP biflow: echo reply to an echo request; -2 when there is no telling. */
function reverseIcmpType(rec: FlowRecord): number {
  if (rec.proto !== IPPROTO_ICMP && rec.proto !== IPPROTO_ICMPV6) return -1;
  const type = rec.icmpType >= 0 ? rec.icmpType : (rec.dport !== 0 ? rec.dport : rec.sport) >>> 8;
  if (rec.proto === IPPROTO_ICMP) return type === 8 ? 0 : -2;
  return type === 128 ? 129 : -2;
}
