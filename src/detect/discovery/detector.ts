import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, Layer, TcpFlag, type PacketView } from '../../decode/packet-view.js';
import { ContactTable } from '../../track/contact-table.js';
import { hash52 } from '../../track/hash.js';
import { Mark } from '../scan/fingerprint.js';
import { IPPROTO_KEY_BASE, Kind, PING_KEY, SCTP_PORT_BASE } from '../scan/kinds.js';
import { Det } from '../scan/det.js';
import type { SourceState } from '../scan/source-state.js';
import type { TechniqueHook, TechniquePart } from '../scan/technique-hook.js';

export interface DiscoveryOptions {
  /** Distinct hosts pinged that name a sweep (ping-min). */
  pingMin: number;
  /** SCTP first contacts (host:port) not answered by INIT ACK that name a scan (sctp-min). */
  sctpMin: number;
  /** Distinct IP protocol numbers (not TCP/UDP/ICMP/SCTP) that name a protocol scan (ipproto-min). */
  ipprotoMin: number;
  maxContacts: number;
  /** Seconds a contact is remembered after it was made (or last refreshed by a poller). */
  contactTtl: number;
}

/** Contact flags of this part's own table (24 bits available). */
const enum F {
  ECHO = 1 << 0,
  TIMESTAMP = 1 << 1,
  MASK = 1 << 2,
  /** nmap discovery's TCP probes to a host being pinged. */
  SYN443 = 1 << 3,
  ACK80 = 1 << 4,
  /** An echo/timestamp/mask reply came back. */
  REPLIED = 1 << 5,
  /** ABORT or an ICMP error came back. */
  FAILED = 1 << 6,
  INIT = 1 << 7,
  COOKIE = 1 << 8,
  /** INIT ACK came back: an SCTP service is there. */
  OPEN = 1 << 9,
  PROTO = 1 << 10,
  /** The discovery set was complete for this host (counted once). */
  SET_DONE = 1 << 11,
  PING_TYPES = ECHO | TIMESTAMP | MASK,
}

/** nmap's default discovery to one host (nmap.org/book/host-discovery-techniques: -PE -PS443 -PA80 -PP). */
const NMAP_SET4 = F.ECHO | F.TIMESTAMP | F.SYN443 | F.ACK80;
const NMAP_SET6 = F.ECHO | F.SYN443 | F.ACK80;

const SCTP_INIT = 1;
const SCTP_INIT_ACK = 2;
const SCTP_ABORT = 6;
const SCTP_COOKIE_ECHO = 10;

/**
 * Host discovery and the scans of other transports, judged on their own
 * first-contact table (never the tracker's contact flags):
 * - ping (Kind.PING): ICMP echo (8), timestamp (13), address-mask (17)
 *   requests and ICMPv6 echo requests (128); one source reaching `pingMin`
 *   distinct hosts is a sweep, answered or not. A reply is noted, never a
 *   success that clears the source, but a new request to a host that already
 *   replied is a repeat, not a probe: a monitoring poller's rounds add nothing.
 * - SCTP (Kind.SCTP_INIT, Kind.SCTP_COOKIE): INIT and association-less COOKIE
 *   ECHO first chunks; INIT ACK = open, ABORT or ICMP unreachable = closed.
 * - IP protocols (Kind.IPPROTO): any other protocol number; ICMP protocol
 *   unreachable (ICMPv6 parameter problem) = not there.
 * nmap's discovery set to one host (echo + timestamp + SYN 443 + ACK 80) marks the source as nmap.
 */
export class DiscoveryPart implements TechniquePart {
  readonly name = 'discovery';
  /** Made on first use: a network without pings, SCTP or odd protocols (a SYN flood) pays nothing. */
  table: ContactTable | null = null;
  hook: TechniqueHook | null = null;

  // counters (sum)
  pings = 0;
  pingRepeats = 0;
  pingReplies = 0;
  sctpProbes = 0;
  sctpOpen = 0;
  sctpClosed = 0;
  protoProbes = 0;
  protoRepeats = 0;
  unreachable = 0;
  nmapSets = 0;
  pingScanners = 0;
  sctpScanners = 0;
  protoScanners = 0;

  constructor(private readonly o: DiscoveryOptions) {
  }

  get contacts(): ContactTable {
    return (this.table ??= new ContactTable(this.o.maxContacts, this.o.contactTtl));
  }

  // ---------------------------------------------------------------- ICMP

  onIcmp(v: PacketView, src: number, dst: number, now: number): void {
    const t = v.icmpType;
    let bit = 0;
    if (v.ipVersion === 4) {
      if (t === 8) bit = F.ECHO;
      else if (t === 13) bit = F.TIMESTAMP;
      else if (t === 17) bit = F.MASK;
      else if (t === 0 || t === 14 || t === 18) this.reply(dst, src, now);
    } else if (t === 128) bit = F.ECHO;
    else if (t === 129) this.reply(dst, src, now);
    if (bit !== 0) this.ping(v, src, dst, bit, now);
  }

  private ping(v: PacketView, src: number, dst: number, bit: number, now: number): void {
    const hook = this.hook!;
    const key = hash52(src, dst, PING_KEY);
    let f = this.contacts.get(key);
    // TTL 0: a flow record's view, which carries no payload length to judge.
    const payload = bit === F.ECHO && v.ttl !== 0 ? (v.payloadLength === 0 ? 1 : 2) : 0;
    // A new source's first ping: an admission record, no state (a spoofed flood).
    if (f < 0 && hook.defer(v, src, dst, Kind.PING, PING_KEY, -1, payload, now)) {
      this.pings++;
      this.contacts.set(key, bit, now);
      return;
    }
    const s = hook.source(v, src, now);
    if (payload === 1) s.pingsEmpty++;
    else if (payload === 2) s.pingsData++;
    if (f >= 0 && (f & F.REPLIED) !== 0) {
      // The host answered this source before: a poller's next round, not news.
      if ((f & bit) !== 0) {
        this.pingRepeats++;
        this.contacts.set(key, f, now, true); // stays known as long as the polling goes on
        return;
      }
    }
    // A contact from before this source's evidence was cleared is news again (unless it replied: above).
    const renew = f >= 0 && this.contacts.lastCreated < s.evidenceStart && (f & F.REPLIED) === 0;
    if (renew) f = 0;
    const newPair = f < 0 || (f & F.PING_TYPES) === 0;
    const newKind = f < 0 || (f & bit) === 0;
    this.pings++;
    const nf = (f < 0 ? 0 : f) | bit;
    this.contacts.set(key, this.nmapSet(s, v, nf), now, renew);
    hook.probe(s, v, dst, Kind.PING, PING_KEY, -1, newPair, newKind, now);
    const n = s.all.hostsOn(PING_KEY);
    if (n >= this.o.pingMin) this.judge(s, n, this.o.pingMin, 0);
    hook.changed(s, now);
  }

  private reply(prober: number, target: number, now: number): void {
    const key = hash52(prober, target, PING_KEY);
    const f = this.contacts.get(key);
    if (f < 0 || (f & F.REPLIED) !== 0) return;
    this.pingReplies++;
    this.contacts.set(key, f | F.REPLIED, now);
  }

  /** nmap's discovery TCP probes (SYN 443, bare ACK 80) to a host this source pings. */
  onTcpUdp(v: PacketView, src: number, dst: number, now: number): void {
    if (this.table === null || (v.dport !== 443 && v.dport !== 80) || (v.layers & Layer.TCP) === 0) return;
    const fl = v.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.FIN | TcpFlag.RST);
    let bit = 0;
    if (fl === TcpFlag.SYN && v.dport === 443) bit = F.SYN443;
    else if (fl === TcpFlag.ACK && v.dport === 80 && v.payloadLength === 0) bit = F.ACK80;
    else return;
    const key = hash52(src, dst, PING_KEY);
    const f = this.table.get(key);
    if (f < 0 || (f & bit) !== 0) return; // only hosts being pinged: never every HTTPS client
    const s = this.hook!.peek(src);
    const nf = s === undefined ? f | bit : this.nmapSet(s, v, f | bit);
    this.contacts.set(key, nf, now);
  }

  /** Flags `f` of a ping contact: mark the source when nmap's whole set reached the host. */
  private nmapSet(s: SourceState, v: PacketView, f: number): number {
    if ((f & F.SET_DONE) !== 0) return f;
    const set = v.ipVersion === 4 ? NMAP_SET4 : NMAP_SET6;
    if ((f & set) !== set) return f;
    this.nmapSets++;
    s.marks |= Mark.NMAP_DISCOVERY;
    return f | F.SET_DONE;
  }

  // ---------------------------------------------------------------- SCTP, other protocols

  onOther(v: PacketView, src: number, dst: number, now: number): void {
    if ((v.layers & Layer.SCTP) !== 0) this.sctp(v, src, dst, now);
    else if (v.proto !== IPPROTO_SCTP) this.ipproto(v, src, dst, now);
  }

  private sctp(v: PacketView, src: number, dst: number, now: number): void {
    const chunk = v.sctpChunk;
    if (chunk === SCTP_INIT_ACK || chunk === SCTP_ABORT) {
      this.sctpAnswer(dst, src, SCTP_PORT_BASE + v.sport, chunk === SCTP_INIT_ACK, now);
      return;
    }
    if (chunk !== SCTP_INIT && chunk !== SCTP_COOKIE_ECHO) return; // association traffic
    const hook = this.hook!;
    const portKey = SCTP_PORT_BASE + v.dport;
    const key = hash52(src, dst, portKey);
    let f = this.contacts.get(key);
    // COOKIE ECHO after an INIT ACK is the handshake going on; a new INIT to an open port is a new association.
    if (f >= 0 && (f & F.OPEN) !== 0) return;
    const bit = chunk === SCTP_INIT ? F.INIT : F.COOKIE;
    const kind = chunk === SCTP_INIT ? Kind.SCTP_INIT : Kind.SCTP_COOKIE;
    // A new source's first probe: an admission record (one probe is judged only with sctp-min 1).
    if (f < 0 && this.o.sctpMin > 1 && hook.defer(v, src, dst, kind, portKey, v.dport, 0, now)) {
      this.sctpProbes++;
      this.contacts.set(key, bit, now);
      return;
    }
    const s = hook.source(v, src, now);
    const renew = f >= 0 && this.contacts.lastCreated < s.evidenceStart;
    if (renew) f = 0;
    const newPair = f < 0 || (f & (F.INIT | F.COOKIE)) === 0;
    const newKind = f < 0 || (f & bit) === 0;
    this.sctpProbes++;
    this.contacts.set(key, (f < 0 ? 0 : f) | bit, now, renew);
    hook.probe(s, v, dst, kind, portKey, v.dport, newPair, newKind, now);
    this.judgeSctp(s);
    hook.changed(s, now);
  }

  private sctpAnswer(prober: number, target: number, portKey: number, open: boolean, now: number): void {
    const key = hash52(prober, target, portKey);
    const f = this.contacts.get(key);
    if (f < 0 || (f & (F.OPEN | F.FAILED)) !== 0 || (f & (F.INIT | F.COOKIE)) === 0) return;
    this.contacts.set(key, f | (open ? F.OPEN : F.FAILED), now);
    if (open) this.sctpOpen++;
    else this.sctpClosed++;
    // An answer to a recorded first probe is evidence: the prober gets its state (as a TCP RST does).
    const s = this.hook!.answered(prober, target, portKey, now);
    if (s === undefined || this.contacts.lastCreated < s.evidenceStart) return;
    if (!open) s.failures++;
    else if ((f & F.INIT) !== 0) s.sctpOpen++;
    this.hook!.changed(s, now);
  }

  private judgeSctp(s: SourceState): void {
    // An association that opened is a client's, not a probe's, doing.
    const n = s.kindCount[Kind.SCTP_INIT] - s.sctpOpen + s.kindCount[Kind.SCTP_COOKIE];
    if (n >= this.o.sctpMin) this.judge(s, n, this.o.sctpMin, 1);
  }

  private ipproto(v: PacketView, src: number, dst: number, now: number): void {
    const p = v.proto;
    if (p === IPPROTO_TCP || p === IPPROTO_UDP || p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) return; // damaged headers: not ours
    const hook = this.hook!;
    const portKey = IPPROTO_KEY_BASE + p;
    const key = hash52(src, dst, portKey);
    let f = this.contacts.get(key);
    if (f >= 0) {
      // Tunnel traffic (GRE, ESP...) is one protocol to a peer over and over: only its first packet is news.
      const known = this.hook!.peek(src);
      if (known !== undefined ? this.contacts.lastCreated >= known.evidenceStart : this.hook!.held(src, dst, portKey, now)) {
        this.protoRepeats++;
        return;
      }
    }
    // A new source's first protocol: an admission record, no state.
    if (f < 0 && hook.defer(v, src, dst, Kind.IPPROTO, portKey, -1, 0, now)) {
      this.protoProbes++;
      this.contacts.set(key, F.PROTO, now);
      return;
    }
    const s = hook.source(v, src, now);
    const renew = f >= 0 && this.contacts.lastCreated < s.evidenceStart;
    if (renew) f = 0;
    const newPair = f < 0 || (f & F.PROTO) === 0;
    // Kind.IPPROTO counts distinct protocol numbers: a tunnel endpoint uses one or two with many peers.
    const newKind = newPair && s.all.hostsOn(portKey) === 0;
    this.protoProbes++;
    if (newPair) this.contacts.set(key, (f < 0 ? 0 : f) | F.PROTO, now, renew);
    hook.probe(s, v, dst, Kind.IPPROTO, portKey, -1, newPair, newKind, now);
    const n = s.kindCount[Kind.IPPROTO];
    if (n >= this.o.ipprotoMin) this.judge(s, n, this.o.ipprotoMin, 2);
    hook.changed(s, now);
  }

  // ---------------------------------------------------------------- ICMP errors

  onIcmpError(v: PacketView, prober: number, target: number, now: number): void {
    const six = v.ipVersion === 6;
    const unreachable = six ? v.icmpType === 1 || (v.icmpType === 4 && v.icmpCode === 1) : v.icmpType === 3;
    if (!unreachable) return;
    const p = v.innerProto;
    if (p === IPPROTO_SCTP && (v.layers & Layer.ICMP_QUOTE) !== 0) {
      this.sctpAnswer(prober, target, SCTP_PORT_BASE + v.innerDport, false, now);
      return;
    }
    const key = hash52(prober, target, IPPROTO_KEY_BASE + p);
    const f = this.contacts.get(key);
    if (f < 0 || (f & F.FAILED) !== 0) return;
    this.unreachable++;
    this.contacts.set(key, f | F.FAILED, now);
    const s = this.hook!.answered(prober, target, IPPROTO_KEY_BASE + p, now);
    if (s === undefined || this.contacts.lastCreated < s.evidenceStart) return;
    s.failures++;
    this.hook!.changed(s, now);
  }

  // ---------------------------------------------------------------- verdict

  /** `family`: 0 ping, 1 SCTP, 2 IP protocols (counted once per source and family). */
  private judge(s: SourceState, n: number, min: number, family: number): void {
    const first = (s.fired & (1 << Det.DISCOVERY)) === 0;
    if (first || n / min > s.score[Det.DISCOVERY] / s.threshold[Det.DISCOVERY]) s.fire(Det.DISCOVERY, n, min);
    if (!first) return;
    if (family === 0) this.pingScanners++;
    else if (family === 1) this.sctpScanners++;
    else this.protoScanners++;
  }

  tick(now: number): void {
    this.table?.expire(now);
  }
}
