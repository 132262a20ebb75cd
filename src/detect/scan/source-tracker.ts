import { ipv6Key, isSpecialIpv4, isSpecialIpv6 } from '../../decode/address.js';
import type { CidrSet } from '../../decode/cidr-set.js';
import { Layer, TcpFlag, type PacketView } from '../../decode/packet-view.js';
import { ContactTable } from '../../track/contact-table.js';
import { hash52 } from '../../track/hash.js';
import { FlowSkip } from '../../track/flow-skip.js';
import { LruTable } from '../../track/lru-table.js';
import { PendingRing } from '../../track/pending-ring.js';
import { AdmissionReplay, FP_CHECKED } from './admission-replay.js';
import { countFingerprint, Fp, isOsStackSyn, tcpFingerprint } from './fingerprint.js';
import { CF, Kind, pendingCount, pendingKinds, SOCKET_BASE, St, stateOf, tcpProbeKind, UDP_PORT_BASE, withState } from './kinds.js';
import type { ScanPart } from './part.js';
import { AdmissionTable } from './admission.js';
import { answer, clientPacket, icmpError, outcome, succeed } from './outcome-path.js';
import { holdsTechnique, recordTechnique, replayTechnique } from './technique-admission.js';
import { addPair, SourceState, type SourceStateLimits } from './source-state.js';
import type { TechniqueHook } from './technique-hook.js';


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
  /** Slots of the admission table (sources with one first contact so far, no state). */
  admissionSlots: number;
  /** Seconds without a probe that end a scan (scan-idle): also the quiet gap that starts a new episode. */
  scanIdle: number;
}

/** What the tracker tells its owner (the engine). */
export interface TrackerEvents {
  /** Evidence about `s` changed (a probe, an outcome, a teardown): judge it now. */
  changed(s: SourceState, now: number): void;
  /** `s` leaves the table (evicted or idle); called before the object is reused. */
  removed(s: SourceState, now: number): void;
}

const TCP_UDP_ICMP = Layer.TCP | Layer.UDP | Layer.ICMP4 | Layer.ICMP6;


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
  readonly admission: AdmissionTable;
  /** Records of sources without state: writing, materializing, replaying them. */
  readonly rec: AdmissionReplay;
  /**
   * Connections settled at their client's data (or data seen mid-stream): their
   * ACKs skip every lookup, here and, through the pipeline, in every detector.
   */
  readonly done = new FlowSkip(1 << 16);
  private readonly pool: SourceState[] = [];
  readonly parts: ScanPart[] = [];
  private readonly udpIgnore = new Uint8Array(65536);
  readonly hasIgnore: boolean;
  private epochs = 0;
  /** Latest packet time seen. */
  now = 0;
  /** First contacts waiting for an answer now (gauge): PENDING kinds in the contact table. */
  waiting = 0;
  /**
   * Kinds 9..13 (ping, SCTP, IP protocols, OS probes) are judged by parts with
   * their own tables (technique-hook.ts); null when none is configured.
   */
  techniques: TechniqueHook | null = null;

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
  /** Technique first probes kept in an admission record instead of a state. */
  techniqueRecords = 0;
  /** First contacts still waiting at end of input, resolved as unanswered then. */
  resolvedAtEnd = 0;

  constructor(
    readonly o: TrackerOptions,
    readonly events: TrackerEvents,
  ) {
    this.sources = new LruTable<SourceState>({
      maxEntries: o.maxSources,
      idleTimeout: o.sourceIdle,
      onRemove: (s) => {
        this.admission.states[this.admission.slotOf(s.key)]--;
        this.events.removed(s, this.now);
        for (let i = 0; i < this.parts.length; i++) this.parts[i].onSourceReset?.(s, false);
        this.pool.push(s);
      },
      protect: (s) => s.active,
    });
    this.admission = new AdmissionTable(o.admissionSlots);
    // Contacts are owned by their prober's admission slot: a slot holding
    // none skips the contact lookups of its sources (ContactTable.held).
    this.contacts = new ContactTable(
      o.maxContacts,
      o.contactTtl,
      (f) => {
        if ((f & CF.KIND_BITS) !== 0) this.waiting -= pendingCount(f);
      },
      this.admission.slots,
    );
    this.pending = new PendingRing(o.maxPending);
    this.rec = new AdmissionReplay(this.admission, this.contacts, this.parts, (s, kind, dst, portKey, success, now) => outcome(this, s, kind, dst, portKey, success, now));
    for (const p of o.udpIgnorePorts) this.udpIgnore[p] = 1;
    this.hasIgnore = o.ignore.size > 0;
  }

  addPart(p: ScanPart): void {
    this.parts.push(p);
  }

  onPacket(v: PacketView): void {
    const layers = v.layers;
    if ((layers & TCP_UDP_ICMP) === 0) {
      // techniques: SCTP and other IP protocols
      if (this.techniques !== null && v.ipVersion !== 0) this.techniques.other(v);
      return;
    }
    if (v.ts > this.now) this.now = v.ts;
    this.resolveTimeouts(this.now);
    if ((layers & (Layer.ICMP4 | Layer.ICMP6)) !== 0) {
      // techniques: ICMP requests, their replies, errors quoting non-TCP/UDP probes
      if (this.techniques !== null && this.techniques.icmp(v)) return;
      if ((layers & Layer.ICMP_QUOTE) !== 0) icmpError(this, v);
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
    // techniques: OS-detection probes and nmap's discovery TCP probes
    if (this.techniques !== null) this.techniques.tcpUdp(v, src, dst);
    if ((layers & Layer.TCP) !== 0) this.tcp(v, src, dst);
    else this.udp(v, src, dst);
  }

  /** An ACK of a connection in `done` (the pipeline looked it up): what onPacket does before its own lookup. */
  onSettled(v: PacketView): void {
    if (v.ts > this.now) this.now = v.ts;
    this.resolveTimeouts(this.now);
    this.packets++;
  }

  /** Fail every first contact that has waited longer than the probe timeout at `now`. */
  resolveTimeouts(now: number): void {
    this.resolveUntil(now - this.o.probeTimeout, now);
  }

  /**
   * End of input: every first contact still waiting is resolved now as if
   * its timeout had passed (no answer came before the capture ended), in the
   * order the probes were sent: the same outcome on every replay.
   */
  resolveAll(now: number): void {
    const before = this.timeouts + this.udpUnanswered;
    this.resolveUntil(Infinity, now);
    this.resolvedAtEnd += this.timeouts + this.udpUnanswered - before;
  }

  private resolveUntil(limit: number, now: number): void {
    const ring = this.pending;
    for (;;) {
      const i = ring.headIndex();
      if (i < 0 || ring.ts[i] > limit) return;
      const src = ring.src[i];
      const dst = ring.dst[i];
      const portKey = ring.port[i];
      const kind = ring.kind[i];
      const epoch = ring.epoch[i];
      ring.shift();
      const adm = this.admission;
      const aslot = adm.slotOf(src);
      const key = this.contacts.owns(aslot) ? hash52(src, dst, portKey) : -1;
      const f = key < 0 ? -1 : this.contacts.get(key);
      if (f < 0) {
        // A contact that lives only in its source's admission record.
        if (!adm.holdsLocal(aslot, src, dst, portKey) || adm.kind[aslot] !== kind || adm.epoch[aslot] !== epoch || adm.st[aslot] !== St.PENDING) continue;
        adm.st[aslot] = St.FAILURE;
      } else if (stateOf(f, kind) !== St.PENDING) continue;
      else this.contacts.set(key, withState(f, kind, St.FAILURE), now);
      this.waiting--;
      if (kind === Kind.UDP && !this.o.udpTimeoutFails) {
        // Silence is what an open UDP port usually says (nmap: open|filtered).
        this.udpUnanswered++;
        continue;
      }
      this.timeouts++;
      this.failures++;
      const s = this.stateFor(src);
      if (s !== undefined) {
        if (s.epoch === epoch) outcome(this, s, kind, dst, portKey, false, now);
      } else this.rec.recordOutcome(src, 0, epoch, dst, portKey, false, false, now);
    }
  }

  /** Expire idle sources and old contacts (about once per second of packet time). */
  expire(now: number): void {
    if (now > this.now) this.now = now;
    this.sources.expire(now);
    this.contacts.expire(now);
  }

  /** The source `key` (address of `v`'s sender), created if new: for technique parts. */
  sourceFor(v: PacketView, key: number, now: number): SourceState {
    const adm = this.admission;
    const slot = adm.slotOf(key);
    const s = adm.states[slot] === 0 ? undefined : this.sources.get(key, now);
    if (s !== undefined) return s;
    // No state yet: admitted now, with its admission record if it has one
    // (its TCP/UDP first contact is replayed into the state), else a new one.
    if (adm.key[slot] !== key + 1 || now - adm.last[slot] >= this.o.sourceIdle) this.claimFor(v, slot, key, now);
    return this.admit(slot, key, now);
  }

  /** A new admission record for `key` (the sender of `v`) in `slot`, replacing whatever it held. */
  private claimFor(v: PacketView, slot: number, key: number, now: number): void {
    const adm = this.admission;
    if (adm.key[slot] !== 0 && adm.local[slot] === 1 && adm.st[slot] === St.PENDING) this.waiting--;
    adm.claim(slot, key, ++this.epochs, now);
    if (v.ipVersion === 6) {
      adm.v6[slot] = 1;
      adm.src6.set(v.src6, 4 * slot);
    } else adm.v6[slot] = 0;
  }

  /**
   * A technique part's first probe from `key`, when the source has neither
   * state nor a live record: written to a new record (technique-admission.ts),
   * true. False: the part takes the state from sourceFor as before.
   */
  deferTechnique(v: PacketView, key: number, dst: number, kind: number, portKey: number, port: number, ping: number, now: number): boolean {
    const adm = this.admission;
    const slot = adm.slotOf(key);
    if (adm.states[slot] !== 0 && this.sources.peek(key) !== undefined) return false;
    if (adm.key[slot] === key + 1 && now - adm.last[slot] < this.o.sourceIdle) return false;
    this.claimFor(v, slot, key, now);
    recordTechnique(adm, slot, v, dst, kind, portKey, port, ping);
    this.techniqueRecords++;
    return true;
  }

  /** Whether `src`'s live record holds its technique probe to (dst, portKey). */
  holdsTechnique(src: number, dst: number, portKey: number, now: number): boolean {
    const adm = this.admission;
    const slot = adm.find(src);
    return holdsTechnique(adm, slot, dst, portKey) && now - adm.last[slot] < this.o.sourceIdle;
  }

  /** The target answered `prober`'s recorded technique probe to (dst, portKey): its state now; else undefined. */
  admitAnswered(prober: number, dst: number, portKey: number, now: number): SourceState | undefined {
    return this.holdsTechnique(prober, dst, portKey, now) ? this.admit(this.admission.find(prober), prober, now) : undefined;
  }

  /** Evidence about `s` changed outside the tracker (technique parts): judge it now. */
  notify(s: SourceState, now: number): void {
    this.events.changed(s, now);
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
      // A SYN on a settled connection's ports is a new connection (port reuse):
      // its handshake must reach the victim view again (15 of 55,500 were lost
      // on 1M realistic packets without this).
      if (kind === Kind.SYN && this.done.key(src, dst, v.sport, v.dport).has()) this.done.remove();
      this.probe(v, src, dst, v.dport, kind, now);
      return;
    }
    // A connection established with data: nothing in it can change what we
    // know (no teardown counts after data, no probe kind is pending), so its
    // packets skip every contact lookup.
    const done = this.done.key(src, dst, v.sport, v.dport);
    if (done.has()) {
      done.skipped++;
      return;
    }
    const adm = this.admission;
    const sslot = adm.slotOf(src);
    let fkey = -1;
    let ff = -1;
    if (this.contacts.owns(sslot)) ff = this.contacts.get((fkey = hash52(src, dst, v.dport)));
    if (ff < 0 && this.rec.materializeAt(sslot, src, dst, v.dport)) ff = this.contacts.get((fkey = hash52(src, dst, v.dport)));
    if (ff >= 0 && isConnection(ff)) {
      clientPacket(this, src, dst, fkey, ff, flags, v.payloadLength, now);
      return;
    }
    const dslot = adm.slotOf(dst);
    let rkey = -1;
    let rf = -1;
    if (this.contacts.owns(dslot)) rf = this.contacts.get((rkey = hash52(dst, src, v.sport)));
    if (rf < 0 && this.rec.materializeAt(dslot, dst, src, v.sport)) rf = this.contacts.get((rkey = hash52(dst, src, v.sport)));
    if (rf >= 0) {
      answer(this, dst, src, v.sport, rkey, rf, flags, v.payloadLength, now);
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
    const mf = (ff < 0 ? 0 : ff) | CF.MIDSTREAM | (v.payloadLength > 0 ? CF.DATA : 0);
    this.contacts.set(fkey < 0 ? hash52(src, dst, v.dport) : fkey, mf, now, false, sslot);
    if (v.payloadLength > 0 && pendingKinds(mf) === 0) done.add();
  }

  // ---------------------------------------------------------------- UDP, ICMP

  private udp(v: PacketView, src: number, dst: number): void {
    const now = v.ts;
    const rport = v.sport + UDP_PORT_BASE;
    const adm = this.admission;
    const dslot = adm.slotOf(dst);
    const dOwns = this.contacts.owns(dslot);
    let rkey = -1;
    let rf = -1;
    if (dOwns) rf = this.contacts.get((rkey = hash52(dst, src, rport)));
    if (rf < 0 && this.rec.materializeAt(dslot, dst, src, rport)) rf = this.contacts.get((rkey = hash52(dst, src, rport)));
    if (rf >= 0) {
      // The contacted host answers, or the conversation goes on: never a probe.
      this.replies++;
      if (stateOf(rf, Kind.UDP) === St.PENDING) {
        this.waiting--;
        this.contacts.set(rkey, withState(rf, Kind.UDP, St.SUCCESS), now);
        succeed(this, dst, src, rport, 1 << Kind.UDP, now);
      }
      return;
    }
    // An answer from another port to the socket that probed (TFTP, some
    // games and NAT traversal reply from a new port): still not a probe.
    if ((dOwns && this.contacts.get(hash52(dst, src, SOCKET_BASE + v.dport)) >= 0) || adm.holdsSocket(dslot, dst, src, v.dport)) {
      this.replies++;
      return;
    }
    if (this.udpIgnore[v.dport] === 1) {
      this.udpIgnored++;
      return;
    }
    // Remember which local socket talked to this host, for the check above
    // (a source without state keeps it in its record, with its one contact).
    if (this.probe(v, src, dst, v.dport, Kind.UDP, now)) return;
    const sslot = adm.slotOf(src);
    const skey = hash52(src, dst, SOCKET_BASE + v.sport);
    if (!this.contacts.owns(sslot) || this.contacts.get(skey) < 0) this.contacts.set(skey, CF.MIDSTREAM, now, false, sslot);
  }

  // ---------------------------------------------------------------- probes

  /**
   * A probe. Returns true when it went to a source's admission record that
   * also remembers the probing UDP socket (no socket marker needed).
   */
  private probe(v: PacketView, src: number, dst: number, port: number, kind: number, now: number): boolean {
    const adm = this.admission;
    let slot = adm.slotOf(src);
    const s0 = adm.states[slot] === 0 ? undefined : this.sources.get(src, now);
    const portKey = kind === Kind.UDP ? port + UDP_PORT_BASE : port;
    const parts = this.parts;
    // A source without state: its record in the admission table (started now if none).
    if (s0 === undefined) {
      // A record idle for --source-idle is forgotten, as a source's state would be.
      if (adm.key[slot] !== src + 1 || now - adm.last[slot] >= this.o.sourceIdle) {
        if (adm.key[slot] !== 0 && adm.local[slot] === 1 && adm.st[slot] === St.PENDING) this.waiting--;
        adm.claim(slot, src, ++this.epochs, now);
        // Its first contact stays in the record (no contact-table write),
        // unless the table already knows that host:port (then the general path).
        if (!this.contacts.owns(slot) || this.contacts.get(hash52(src, dst, portKey)) < 0) {
          this.probeFirst(v, slot, src, dst, portKey, kind, now);
          return true;
        }
      } else if (adm.local[slot] === 1) {
        if (adm.kind[slot] === kind && adm.dst[slot] === dst && adm.port[slot] === portKey) {
          // A retry of the record's own contact (never answered: an answer moves it to the table).
          this.probes++;
          this.rec.recordProbe(v, slot, kind, now);
          for (let i = 0; i < parts.length; i++) parts[i].onSingle?.(src, kind, dst, portKey, now);
          return adm.sport[slot] === v.sport;
        }
        this.rec.materializeSlot(slot);
      }
    }
    const evidenceStart = s0 !== undefined ? s0.evidenceStart : Math.floor(adm.first[slot]);
    const key = hash52(src, dst, portKey);
    let f = this.contacts.owns(slot) ? this.contacts.get(key) : -1;
    // A contact from before this source's evidence was cleared is news again.
    const renew = f >= 0 && this.contacts.lastCreated < evidenceStart;
    if (renew) {
      if ((f & CF.KIND_BITS) !== 0) this.waiting -= pendingCount(f);
      f = f & ~CF.KIND_BITS;
    }
    const st = f < 0 ? St.NONE : stateOf(f, kind);
    // A new connection to a service that answered before is not a probe.
    if (st === St.SUCCESS) {
      if (s0 !== undefined) for (let i = 0; i < parts.length; i++) parts[i].onRepeat?.(s0, kind, dst, portKey, now);
      else for (let i = 0; i < parts.length; i++) parts[i].onSingle?.(src, kind, dst, portKey, now);
      return false;
    }
    const newPair = f < 0 || (f & CF.KIND_BITS) === 0;
    const newKind = st === St.NONE;
    this.probes++;
    let fp = 0;
    let os = -1;
    if ((v.layers & Layer.TCP) !== 0) {
      fp = FP_CHECKED | tcpFingerprint(v, kind);
      if (kind === Kind.SYN) os = isOsStackSyn(v) ? 1 : 0;
    }
    if (newKind) {
      this.contacts.set(key, withState(f < 0 ? 0 : f, kind, St.PENDING), now, renew, slot);
      this.pending.push(s0 !== undefined ? s0.epoch : adm.epoch[slot], src, dst, portKey, kind, now);
      this.waiting++;
      this.firstContacts++;
    }
    let s: SourceState;
    if (s0 !== undefined) s = s0;
    else if (adm.tkind[slot] === 0 && (adm.probes[slot] === 0 || (!newKind && adm.kind[slot] === kind && adm.holdsContact(slot, dst, portKey)))) {
      // The record's one first contact, or a retry of it: no state yet
      // (a record holding a technique probe admits: this is a second contact)
      // (its UDP fingerprint and evasion bits are not kept: see NOTES.md).
      if (adm.probes[slot] === 0) this.rec.recordFirst(v, slot, dst, portKey, kind, newPair, newKind);
      this.rec.countProbe(slot, fp, os, now);
      for (let i = 0; i < parts.length; i++) parts[i].onSingle?.(src, kind, dst, portKey, now);
      return false;
    } else s = this.admit(slot, src, now);
    // Probes before a quiet gap of scan-idle from a source never judged are
    // background (hw13: Windows discovery 97 s before nmap): the scan episode
    // starts after the gap. The evidence itself is kept (slow scans).
    if (s.firstSeen !== 0 && s.fired === 0 && now - s.lastProbe >= this.o.scanIdle) {
      s.firstSeen = 0;
      s.probes = 0;
    }
    s.probes++;
    s.evidenceProbes++;
    if (s.firstSeen === 0) s.firstSeen = now;
    if (s.firstEvidence === 0) s.firstEvidence = now;
    s.lastProbe = now;
    s.evasion |= v.evasion;
    if ((v.layers & Layer.UDP) !== 0) countFingerprint(s, v, kind, true);
    if (fp !== 0) {
      s.fpChecked++;
      if ((fp & Fp.NMAP) !== 0) s.fpNmap++;
      if ((fp & Fp.MASSCAN) !== 0) s.fpMasscan++;
      if ((fp & Fp.ZMAP) !== 0) s.fpZmap++;
    }
    if (os === 1) s.osSyn++;
    else if (os === 0) s.rawSyn++;
    if (newKind && kind !== Kind.ACK && kind !== Kind.MAIMON) s.kindCount[kind]++;
    if (newPair) addPair(s, dst, port, portKey, v.ipVersion === 6, v.dst4, v.dst6, 0);
    for (let i = 0; i < parts.length; i++) parts[i].onProbe?.(s, kind, dst, portKey, newPair, newKind, now);
    this.events.changed(s, now);
    return false;
  }

  /** The first probe of a new record: its contact lives in the record only. */
  private probeFirst(v: PacketView, slot: number, src: number, dst: number, portKey: number, kind: number, now: number): void {
    const adm = this.admission;
    this.probes++;
    this.firstContacts++;
    this.waiting++;
    this.pending.push(adm.epoch[slot], src, dst, portKey, kind, now);
    this.rec.recordFirst(v, slot, dst, portKey, kind, true, true);
    adm.local[slot] = 1;
    adm.st[slot] = St.PENDING;
    this.rec.recordProbe(v, slot, kind, now);
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) parts[i].onSingle?.(src, kind, dst, portKey, now);
  }

  /** The state of `src`, or undefined; most sources have none and cost no LRU lookup. */
  stateFor(src: number): SourceState | undefined {
    return this.admission.states[this.admission.slotOf(src)] === 0 ? undefined : this.sources.peek(src);
  }

  /**
   * A second first contact (or a refusal): the source gets its SourceState,
   * and its record is replayed into it (admission-replay.ts).
   */
  admit(slot: number, src: number, now: number): SourceState {
    const adm = this.admission;
    if (adm.local[slot] === 1) this.rec.materializeSlot(slot);
    const s = this.pool.pop() ?? new SourceState(this.o.limits);
    s.reset(src, adm.epoch[slot], adm.first[slot]);
    const v6 = adm.v6[slot] === 1;
    s.v6 = v6;
    if (v6) s.addr6.set(adm.src6.subarray(4 * slot, 4 * slot + 4));
    else s.addr4 = src;
    this.sources.insert(s, now);
    adm.states[slot]++;
    adm.release(slot);
    this.rec.replay(slot, s);
    if (adm.tkind[slot] !== 0) replayTechnique(adm, slot, s);
    return s;
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
