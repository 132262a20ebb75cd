import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TcpFlag } from '../../decode/packet-view.js';
import { hash52 } from '../../track/hash.js';
import { byTimeThenPhase, Ev, Phase, type Entry } from './flow-entry.js';
import { Role } from './flow-record.js';
import { isUnreachable } from './flow-roles.js';
import { sameHostsReversed } from './flow-tuple.js';

/**
 * A batch's flow directions (paired, roles decided) to the views that explain
 * them, in packet-time order. A flow is one direction with the OR of its TCP
 * flags and a packet count, so each becomes the few packets that explain it
 * (docs/flows.md has the table):
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
 * The views are ordered by time, then by phase (opening packet, answer,
 * follow-up, teardown), so an answer never comes before its probe.
 */

const S = TcpFlag.SYN;
const A = TcpFlag.ACK;
const R = TcpFlag.RST;
const F = TcpFlag.FIN;
const P = TcpFlag.PSH;
/** An ICMP unreachable quotes probes sent at most this long before its first packet. */
const QUOTE_WINDOW = 10;

export class FlowExpander {
  private readonly events: Ev[] = [];
  private nEvents = 0;
  /** The planned views of the last expand(), sorted; the first `count` are valid. */
  readonly order: Ev[] = [];
  private readonly pairHeads = new Map<number, number>();
  private readonly candidates: number[] = [];
  private entries: readonly Entry[] = [];

  // counters (sum)
  repeatedViews = 0;
  quotedProbes = 0;

  constructor(private readonly maxRepeat: number) {}

  /** Plan the views of `entries[0..n)` (`unreachables`: ICMP unreachable entries among them); returns how many, in `order`. */
  expand(entries: readonly Entry[], n: number, unreachables: number): number {
    this.entries = entries;
    this.nEvents = 0;
    if (unreachables > 0) this.chainUnansweredUdp(n);
    for (let i = 0; i < n; i++) this.expandOne(entries[i], unreachables > 0);
    const count = this.nEvents;
    const order = this.order;
    order.length = count;
    for (let i = 0; i < count; i++) order[i] = this.events[i];
    order.sort(byTimeThenPhase);
    return count;
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

  private expandOne(e: Entry, quoting: boolean): void {
    switch (e.proto) {
      case IPPROTO_TCP:
        this.expandTcp(e);
        return;
      case IPPROTO_UDP:
        if (e.role === Role.RESPONDER) this.ev(e, this.answerTime(e), Phase.ANSWER, 0, payloadOf(e));
        else this.repeat(e, Phase.OPEN, 0, payloadOf(e), e.packets);
        return;
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6:
        if (quoting && isUnreachable(e.proto, e.icmpType) && this.quoteProbes(e) > 0) return;
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
        if ((f & P) !== 0) this.ev(e, t, Phase.FOLLOW, A | P, payloadOf(e));
      } else {
        this.ev(e, e.ts0, Phase.OPEN, S | (f & (TcpFlag.ECE | TcpFlag.CWR)), 0);
        this.ev(e, t, Phase.FOLLOW, A | (f & P), (f & P) !== 0 ? payloadOf(e) : 0);
      }
      if ((f & (F | R)) !== 0) this.ev(e, Math.max(e.ts1, t), Phase.CLOSE, A | (f & (F | R)), 0);
      return;
    }
    if ((f & R) !== 0) {
      const t = this.answerTime(e);
      if ((f & P) !== 0) {
        // A connection we saw only the middle of, ended by a reset.
        this.ev(e, e.ts0, Phase.FOLLOW, f & ~R, payloadOf(e));
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
    const payload = (f & P) !== 0 ? payloadOf(e) : 0;
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
      if (!q.quoted && q.ts0 <= e.ts1 + 1 && q.ts0 >= e.ts0 - QUOTE_WINDOW && sameHostsReversed(q, e)) cand.push(i);
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
    const n = Math.min(Math.max(1, count), this.maxRepeat);
    const span = e.ts1 - e.ts0;
    for (let i = 0; i < n; i++) this.ev(e, e.ts0 + (span * i) / n, phase, flags, payload);
    this.repeatedViews += n - 1;
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
}

/** Bytes per packet minus headers (TCP: 20 + 12 bytes of usual options), at least 1 with PSH. */
function payloadOf(e: Entry): number {
  const ip = e.ipVersion === 4 ? 20 : 40;
  const tcp = e.proto === IPPROTO_TCP;
  const hdr = ip + (tcp ? 32 : 8);
  const avg = e.bytes > 0 ? Math.floor(e.bytes / e.packets) : 0;
  const p = Math.max(0, avg - hdr);
  return tcp && (e.flags & P) !== 0 ? Math.max(1, p) : p;
}
