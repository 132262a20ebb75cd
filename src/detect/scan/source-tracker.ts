import { ipv6Key, isSpecialIpv4, isSpecialIpv6 } from '../../decode/address.js';
import type { CidrSet } from '../../decode/cidr-set.js';
import { IPPROTO_UDP, Layer, TcpFlag, type PacketView } from '../../decode/packet-view.js';
import { ContactTable } from '../../track/contact-table.js';
import { hash52 } from '../../track/hash.js';
import { LruTable } from '../../track/lru-table.js';
import { PendingRing } from '../../track/pending-ring.js';
import { countFingerprint, isOsStackSyn } from './fingerprint.js';
import { CF, Kind, KIND_COUNT, pendingKinds, St, stateOf, tcpProbeKind, UDP_PORT_BASE, withState } from './kinds.js';
import type { ScanPart } from './part.js';
import { SAMPLE_SIZE, SourceState, type SourceStateLimits } from './source-state.js';

export interface TrackerOptions {
  maxSources: number;
  /** Seconds without a probe after which a source is forgotten. */
  sourceIdle: number;
  maxContacts: number;
  /** Seconds after which a first contact is forgotten. */
  contactTtl: number;
  maxPending: number;
  /** Seconds a first contact may wait for an answer before it counts as failed. */
  probeTimeout: number;
  /** Whether a UDP probe without any answer is a failure (else only ICMP unreachable fails UDP). */
  udpTimeoutFails: boolean;
  /** Sources allowed to scan: their packets, and packets to them (answers), are skipped. */
  ignore: CidrSet;
  /** Local networks: their directed-broadcast addresses are never targets. */
  localNets: CidrSet;
  /** UDP destination ports that are never probes (NetBIOS, mDNS...). */
  udpIgnorePorts: readonly number[];
  limits: SourceStateLimits;
}

/** What the tracker tells its owner (the engine). */
export interface TrackerEvents {
  /** Evidence about `s` changed (a probe, an outcome, a teardown): judge it now. */
  changed(s: SourceState, now: number): void;
  /** `s` leaves the table (evicted or idle); called before the object is reused. */
  removed(s: SourceState, now: number): void;
}

const TCP_UDP_ICMP = Layer.TCP | Layer.UDP | Layer.ICMP4 | Layer.ICMP6;

/** Contact-key space of "source socket (UDP port) talked to host" markers, apart from port keys. */
const SOCKET_BASE = 2 * UDP_PORT_BASE;

/** A contact that is a connection: SYN pending or answered, handshake done, or seen mid-stream. */
function isConnection(f: number): boolean {
  const syn = stateOf(f, Kind.SYN);
  return syn === St.PENDING || syn === St.SUCCESS || (f & (CF.MIDSTREAM | CF.ESTABLISHED)) !== 0;
}

/**
 * The shared per-source tracker: sees every packet once and keeps, per source,
 * its first contacts (source, host, port, protocol) and their outcome:
 * - success: SYN answered by SYN-ACK, UDP answered by UDP, a stealth ACK/FIN+ACK
 *   answered by anything but RST (a connection was there);
 * - failure: RST from the target, ICMP/ICMPv6 destination unreachable quoting
 *   the probe, or no answer within `probeTimeout` packet seconds (resolved
 *   lazily from a ring of pending contacts). For UDP, silence is only a
 *   failure with `udpTimeoutFails`: open UDP ports rarely answer.
 * Answers travel target -> scanner, so they are looked up with the addresses
 * reversed, and are never probes themselves: a victim's RSTs, SYN-ACKs, ICMP
 * errors and UDP replies never make it a scanner.
 *
 * Multicast, broadcast and unspecified addresses are never sources or targets.
 */
export class SourceTracker {
  readonly sources: LruTable<SourceState>;
  readonly contacts: ContactTable;
  readonly pending: PendingRing;
  private readonly pool: SourceState[] = [];
  private readonly parts: ScanPart[] = [];
  private readonly udpIgnore = new Uint8Array(65536);
  private readonly hasIgnore: boolean;
  private epochs = 0;
  /** Latest packet time seen. */
  now = 0;

  // counters (sum)
  packets = 0;
  probes = 0;
  firstContacts = 0;
  successes = 0;
  failures = 0;
  timeouts = 0;
  udpUnanswered = 0;
  icmpFailures = 0;
  rstFailures = 0;
  replies = 0;
  orphanReplies = 0;
  teardowns = 0;
  ignoredSrc = 0;
  ignoredDst = 0;
  special = 0;
  udpIgnored = 0;

  constructor(
    private readonly o: TrackerOptions,
    private readonly events: TrackerEvents,
  ) {
    this.sources = new LruTable<SourceState>({
      maxEntries: o.maxSources,
      idleTimeout: o.sourceIdle,
      onRemove: (s) => {
        this.events.removed(s, this.now);
        for (let i = 0; i < this.parts.length; i++) this.parts[i].onSourceReset?.(s, false);
        this.pool.push(s);
      },
      protect: (s) => s.active,
    });
    this.contacts = new ContactTable(o.maxContacts, o.contactTtl);
    this.pending = new PendingRing(o.maxPending);
    for (const p of o.udpIgnorePorts) this.udpIgnore[p] = 1;
    this.hasIgnore = o.ignore.size > 0;
  }

  addPart(p: ScanPart): void {
    this.parts.push(p);
  }

  onPacket(v: PacketView): void {
    const layers = v.layers;
    if ((layers & TCP_UDP_ICMP) === 0) return;
    if (v.ts > this.now) this.now = v.ts;
    this.resolveTimeouts(this.now);
    if ((layers & (Layer.ICMP4 | Layer.ICMP6)) !== 0) {
      if ((layers & Layer.ICMP_QUOTE) !== 0) this.icmpError(v);
      return;
    }
    let src: number;
    let dst: number;
    if (v.ipVersion === 4) {
      if (isSpecialIpv4(v.src4) || isSpecialIpv4(v.dst4) || this.o.localNets.isV4Broadcast(v.dst4)) {
        this.special++;
        return;
      }
      if (this.hasIgnore && this.ignored4(v.src4, v.dst4)) return;
      src = v.src4;
      dst = v.dst4;
    } else {
      if (isSpecialIpv6(v.src6) || isSpecialIpv6(v.dst6)) {
        this.special++;
        return;
      }
      if (this.hasIgnore && this.ignored6(v.src6, v.dst6)) return;
      src = ipv6Key(v.src6);
      dst = ipv6Key(v.dst6);
    }
    this.packets++;
    if ((layers & Layer.TCP) !== 0) this.tcp(v, src, dst);
    else this.udp(v, src, dst);
  }

  /** Fail every first contact that has waited longer than the probe timeout at `now`. */
  resolveTimeouts(now: number): void {
    const ring = this.pending;
    const limit = now - this.o.probeTimeout;
    for (;;) {
      const i = ring.headIndex();
      if (i < 0 || ring.ts[i] > limit) return;
      const src = ring.src[i];
      const dst = ring.dst[i];
      const portKey = ring.port[i];
      const kind = ring.kind[i];
      const epoch = ring.epoch[i];
      ring.shift();
      const key = hash52(src, dst, portKey);
      const f = this.contacts.get(key);
      if (f < 0 || stateOf(f, kind) !== St.PENDING) continue;
      this.contacts.set(key, withState(f, kind, St.FAILURE), now);
      if (kind === Kind.UDP && !this.o.udpTimeoutFails) {
        // Silence is what an open UDP port usually says (nmap: open|filtered).
        this.udpUnanswered++;
        continue;
      }
      this.timeouts++;
      this.failures++;
      const s = this.sources.peek(src);
      if (s !== undefined && s.epoch === epoch) this.outcome(s, kind, dst, portKey, false, now);
    }
  }

  /** Expire idle sources and old contacts (about once per second of packet time). */
  expire(now: number): void {
    if (now > this.now) this.now = now;
    this.sources.expire(now);
    this.contacts.expire(now);
  }

  /** Clear a source's evidence after its scan ended: what it does next is judged afresh. */
  resetEvidence(s: SourceState, now: number): void {
    for (let i = 0; i < this.parts.length; i++) this.parts[i].onSourceReset?.(s, true);
    s.clearEvidence(++this.epochs, now);
  }

  // ---------------------------------------------------------------- TCP

  private tcp(v: PacketView, src: number, dst: number): void {
    const now = v.ts;
    const flags = v.tcpFlags;
    const kind = tcpProbeKind(flags, v.payloadLength);
    // SYN, FIN, NULL and Xmas are probes whatever came before: no stack sends
    // the last three inside a connection.
    if (kind === Kind.SYN || kind === Kind.FIN || kind === Kind.NULL || kind === Kind.XMAS) {
      this.probe(v, src, dst, v.dport, kind, now);
      return;
    }
    const fkey = hash52(src, dst, v.dport);
    const ff = this.contacts.get(fkey);
    if (ff >= 0 && isConnection(ff)) {
      this.clientPacket(src, fkey, ff, flags, v.payloadLength, now);
      return;
    }
    const rkey = hash52(dst, src, v.sport);
    const rf = this.contacts.get(rkey);
    if (rf >= 0) {
      this.answer(dst, src, v.sport, rkey, rf, flags, v.payloadLength, now);
      return;
    }
    if (kind === Kind.ACK || kind === Kind.MAIMON) {
      this.probe(v, src, dst, v.dport, kind, now);
      return;
    }
    if ((flags & (TcpFlag.RST | TcpFlag.SYN)) !== 0) {
      this.orphanReplies++;
      return;
    }
    // Data, FIN+PSH+ACK...: a connection that began before we looked.
    this.contacts.set(fkey, (ff < 0 ? 0 : ff) | CF.MIDSTREAM | (v.payloadLength > 0 ? CF.DATA : 0), now);
  }

  /** A packet from the prober inside a contact it opened: handshake, data, teardown. */
  private clientPacket(src: number, key: number, f: number, flags: number, payload: number, now: number): void {
    let nf = f;
    if (payload > 0) nf |= CF.DATA;
    if ((flags & (TcpFlag.RST | TcpFlag.FIN)) !== 0) {
      if ((nf & (CF.ESTABLISHED | CF.DATA | CF.TORN)) === CF.ESTABLISHED) {
        nf |= CF.TORN;
        this.teardowns++;
        const s = this.sources.peek(src);
        if (s !== undefined) {
          s.teardowns++;
          this.contacts.set(key, nf, now);
          this.events.changed(s, now);
          return;
        }
      }
    } else if ((flags & TcpFlag.ACK) !== 0 && stateOf(nf, Kind.SYN) === St.SUCCESS) {
      nf |= CF.ESTABLISHED;
    }
    if (nf !== f) this.contacts.set(key, nf, now);
  }

  /** A TCP packet from `b` (port `bport`) to `a`, inside a contact `a` opened: the answer to its probes. */
  private answer(a: number, b: number, bport: number, key: number, f: number, flags: number, payload: number, now: number): void {
    this.replies++;
    if ((flags & TcpFlag.RST) !== 0) {
      this.rstFailures += this.failPending(a, b, bport, key, f, now);
      return;
    }
    let nf = f;
    if (payload > 0) nf |= CF.DATA;
    let won = 0;
    if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK)) {
      const syn = stateOf(nf, Kind.SYN);
      if (syn === St.PENDING) {
        nf = withState(nf, Kind.SYN, St.SUCCESS);
        won = 1 << Kind.SYN;
      } else if (syn === St.FAILURE) {
        // A retry answered after the first try timed out: the outcome stays
        // counted as it was, but the connection is followed (handshake, teardown).
        nf = withState(nf, Kind.SYN, St.SUCCESS);
      }
    } else {
      // Anything else from the target means a connection is there.
      if (stateOf(nf, Kind.ACK) === St.PENDING) {
        nf = withState(nf, Kind.ACK, St.SUCCESS);
        won |= 1 << Kind.ACK;
      }
      if (stateOf(nf, Kind.MAIMON) === St.PENDING) {
        nf = withState(nf, Kind.MAIMON, St.SUCCESS);
        won |= 1 << Kind.MAIMON;
      }
      nf |= CF.MIDSTREAM;
    }
    if (nf !== f) this.contacts.set(key, nf, now);
    if (won !== 0) this.succeed(a, b, bport, won, now);
  }

  // ---------------------------------------------------------------- UDP, ICMP

  private udp(v: PacketView, src: number, dst: number): void {
    const now = v.ts;
    const rport = v.sport + UDP_PORT_BASE;
    const rkey = hash52(dst, src, rport);
    const rf = this.contacts.get(rkey);
    if (rf >= 0) {
      // The contacted host answers, or the conversation goes on: never a probe.
      this.replies++;
      if (stateOf(rf, Kind.UDP) === St.PENDING) {
        this.contacts.set(rkey, withState(rf, Kind.UDP, St.SUCCESS), now);
        this.succeed(dst, src, rport, 1 << Kind.UDP, now);
      }
      return;
    }
    // An answer from another port to the socket that probed (TFTP, some
    // games and NAT traversal reply from a new port): still not a probe.
    if (this.contacts.get(hash52(dst, src, SOCKET_BASE + v.dport)) >= 0) {
      this.replies++;
      return;
    }
    if (this.udpIgnore[v.dport] === 1) {
      this.udpIgnored++;
      return;
    }
    this.probe(v, src, dst, v.dport, Kind.UDP, now);
    // Remember which local socket talked to this host, for the check above.
    const skey = hash52(src, dst, SOCKET_BASE + v.sport);
    if (this.contacts.get(skey) < 0) this.contacts.set(skey, CF.MIDSTREAM, now);
  }

  /** ICMP/ICMPv6 destination unreachable quoting a probe: that probe failed. */
  private icmpError(v: PacketView): void {
    let a: number;
    let b: number;
    if (v.ipVersion === 4) {
      if (v.icmpType !== 3) return;
      if (this.hasIgnore && this.o.ignore.hasV4(v.innerSrc4)) return;
      a = v.innerSrc4;
      b = v.innerDst4;
    } else {
      if (v.icmpType !== 1) return;
      if (this.hasIgnore && this.o.ignore.hasV6(v.innerSrc6)) return;
      a = ipv6Key(v.innerSrc6);
      b = ipv6Key(v.innerDst6);
    }
    const portKey = v.innerProto === IPPROTO_UDP ? v.innerDport + UDP_PORT_BASE : v.innerDport;
    const key = hash52(a, b, portKey);
    const f = this.contacts.get(key);
    if (f < 0) return;
    this.replies++;
    this.icmpFailures += this.failPending(a, b, portKey, key, f, v.ts);
  }

  // ---------------------------------------------------------------- outcomes

  /** Every pending kind of the contact fails; returns how many. */
  private failPending(a: number, b: number, portKey: number, key: number, f: number, now: number): number {
    const p = pendingKinds(f);
    if (p === 0) return 0;
    const created = this.contacts.lastCreated;
    let nf = f;
    for (let k = 0; k < KIND_COUNT; k++) if ((p & (1 << k)) !== 0) nf = withState(nf, k, St.FAILURE);
    this.contacts.set(key, nf, now);
    const s = this.sources.peek(a);
    const current = s !== undefined && created >= s.evidenceStart;
    let n = 0;
    for (let k = 0; k < KIND_COUNT; k++) {
      if ((p & (1 << k)) === 0) continue;
      n++;
      this.failures++;
      if (current) this.outcome(s, k, b, portKey, false, now);
    }
    return n;
  }

  private succeed(a: number, b: number, portKey: number, kinds: number, now: number): void {
    const created = this.contacts.lastCreated;
    const s = this.sources.peek(a);
    const current = s !== undefined && created >= s.evidenceStart;
    for (let k = 0; k < KIND_COUNT; k++) {
      if ((kinds & (1 << k)) === 0) continue;
      this.successes++;
      if (current) this.outcome(s, k, b, portKey, true, now);
    }
  }

  private outcome(s: SourceState, kind: number, dst: number, portKey: number, success: boolean, now: number): void {
    if (success) s.successes++;
    else {
      s.failures++;
      if (kind === Kind.SYN || kind === Kind.UDP) s.fail.add(dst, portKey);
      else if (kind === Kind.ACK || kind === Kind.MAIMON) s.kindCount[kind]++;
    }
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) parts[i].onOutcome?.(s, kind, dst, portKey, success, now);
    this.events.changed(s, now);
  }

  // ---------------------------------------------------------------- probes

  private probe(v: PacketView, src: number, dst: number, port: number, kind: number, now: number): void {
    let s = this.sources.get(src, now);
    if (s === undefined) s = this.newSource(v, src, now);
    const portKey = kind === Kind.UDP ? port + UDP_PORT_BASE : port;
    const key = hash52(src, dst, portKey);
    let f = this.contacts.get(key);
    // A contact from before this source's evidence was cleared is news again.
    const renew = f >= 0 && this.contacts.lastCreated < s.evidenceStart;
    if (renew) f = f & ~CF.KIND_BITS;
    const st = f < 0 ? St.NONE : stateOf(f, kind);
    // A new connection to a service that answered before is not a probe.
    if (st === St.SUCCESS) {
      const parts = this.parts;
      for (let i = 0; i < parts.length; i++) parts[i].onRepeat?.(s, kind, dst, portKey, now);
      return;
    }
    const newPair = f < 0 || (f & CF.KIND_BITS) === 0;
    const newKind = st === St.NONE;
    s.probes++;
    this.probes++;
    if (s.firstSeen === 0) s.firstSeen = now;
    s.lastProbe = now;
    s.evasion |= v.evasion;
    if ((v.layers & Layer.UDP) !== 0) countFingerprint(s, v, kind, true);
    if ((v.layers & Layer.TCP) !== 0) {
      countFingerprint(s, v, kind, false);
      if (kind === Kind.SYN) {
        if (isOsStackSyn(v)) s.osSyn++;
        else s.rawSyn++;
      }
    }
    if (newKind) {
      this.contacts.set(key, withState(f < 0 ? 0 : f, kind, St.PENDING), now, renew);
      this.pending.push(s.epoch, src, dst, portKey, kind, now);
      if (kind !== Kind.ACK && kind !== Kind.MAIMON) s.kindCount[kind]++;
      this.firstContacts++;
    }
    if (newPair) {
      s.pairs++;
      s.all.add(dst, portKey);
      if (s.hosts.add(dst) && s.nSampleHosts < SAMPLE_SIZE) this.sampleHost(s, v);
      if (s.ports.add(port) && s.nSamplePorts < SAMPLE_SIZE) s.samplePorts[s.nSamplePorts++] = port;
    }
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) parts[i].onProbe?.(s, kind, dst, portKey, newPair, newKind, now);
    this.events.changed(s, now);
  }

  private newSource(v: PacketView, key: number, now: number): SourceState {
    const s = this.pool.pop() ?? new SourceState(this.o.limits);
    s.reset(key, ++this.epochs, now);
    if (v.ipVersion === 4) {
      s.v6 = false;
      s.addr4 = v.src4;
    } else {
      s.v6 = true;
      s.addr6.set(v.src6);
    }
    return this.sources.insert(s, now);
  }

  private sampleHost(s: SourceState, v: PacketView): void {
    const i = s.nSampleHosts++;
    if (v.ipVersion === 4) {
      s.sampleIsV6[i] = 0;
      s.sampleHost4[i] = v.dst4;
    } else {
      s.sampleIsV6[i] = 1;
      s.sampleHost6.set(v.dst6, 4 * i);
    }
  }

  private ignored4(src: number, dst: number): boolean {
    if (this.o.ignore.hasV4(src)) {
      this.ignoredSrc++;
      return true;
    }
    if (this.o.ignore.hasV4(dst)) {
      this.ignoredDst++;
      return true;
    }
    return false;
  }

  private ignored6(src: Uint32Array, dst: Uint32Array): boolean {
    if (this.o.ignore.hasV6(src)) {
      this.ignoredSrc++;
      return true;
    }
    if (this.o.ignore.hasV6(dst)) {
      this.ignoredDst++;
      return true;
    }
    return false;
  }
}
