import { ipv6Key } from '../../decode/address.js';
import { IPPROTO_TCP, IPPROTO_UDP, TcpFlag, type PacketView } from '../../decode/packet-view.js';
import { hash52 } from '../../track/hash.js';
import { CF, Kind, KIND_COUNT, pendingCount, pendingKinds, St, stateOf, UDP_PORT_BASE, withState } from './kinds.js';
import type { SourceState } from './source-state.js';
import type { SourceTracker } from './source-tracker.js';

/*
 * What follows a probe (moved out of source-tracker.ts, issue 13): the
 * target's answer (SYN-ACK, RST, anything else), the prober's own packets in
 * the connection it opened (handshake, data, teardown), ICMP errors quoting
 * a probe, and what each outcome makes of the prober: its SourceState's
 * counts, or its admission record when it has no state yet. Functions of the
 * tracker `t` (its counters stay on it); per-packet paths, no allocation.
 */

/** A packet from the prober inside a contact it opened: handshake, data, teardown. */
export function clientPacket(t: SourceTracker, src: number, dst: number, key: number, f: number, flags: number, payload: number, now: number): void {
  let nf = f;
  if (payload > 0 && (f & CF.DATA) === 0) {
    nf |= CF.DATA;
    if (stateOf(f, Kind.SYN) === St.SUCCESS) used(t, src, dst);
  }
  if ((flags & (TcpFlag.RST | TcpFlag.FIN)) !== 0) {
    if ((nf & (CF.ESTABLISHED | CF.DATA | CF.TORN)) === CF.ESTABLISHED) {
      nf |= CF.TORN;
      t.teardowns++;
      const s = t.stateFor(src);
      if (s !== undefined) {
        s.teardowns++;
        t.contacts.set(key, nf, now);
        t.events.changed(s, now);
        return;
      }
      const slot = t.admission.find(src);
      if (slot >= 0 && t.admission.dst[slot] === dst) t.admission.teardowns[slot] = 1;
    }
  } else if ((flags & TcpFlag.ACK) !== 0 && stateOf(nf, Kind.SYN) === St.SUCCESS) {
    nf |= CF.ESTABLISHED;
  }
  if (nf !== f) t.contacts.set(key, nf, now);
  // Settled at the client's data (on this connection, not only on its contact,
  // which spans every connection to dst:port): by then the client's handshake
  // ACK has gone by, and the victim view has seen it (pipeline.ts).
  if (payload > 0 && (nf & (CF.ESTABLISHED | CF.MIDSTREAM)) !== 0 && pendingKinds(nf) === 0) t.done.add();
}

/** Data on a connection `src` opened with a SYN that was answered: its host was used. */
function used(t: SourceTracker, src: number, dst: number): void {
  const s = t.stateFor(src);
  if (s !== undefined) {
    if (t.contacts.lastCreated >= s.evidenceStart) s.markUsed(dst);
    return;
  }
  const slot = t.admission.find(src);
  if (slot >= 0 && t.admission.dst[slot] === dst && t.contacts.lastCreated >= Math.floor(t.admission.first[slot])) t.admission.used[slot] = 1;
}

/** A TCP packet from `b` (port `bport`) to `a`, inside a contact `a` opened: the answer to its probes. */
export function answer(t: SourceTracker, a: number, b: number, bport: number, key: number, f: number, flags: number, payload: number, now: number): void {
  t.replies++;
  if ((flags & TcpFlag.RST) !== 0) {
    t.rstFailures += failPending(t, a, b, bport, key, f, now);
    return;
  }
  let nf = f;
  if (payload > 0 && (f & CF.DATA) === 0) {
    nf |= CF.DATA;
    if (stateOf(f, Kind.SYN) === St.SUCCESS) used(t, a, b);
  }
  let won = 0;
  if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK)) {
    const syn = stateOf(nf, Kind.SYN);
    if (syn === St.PENDING) {
      nf = withState(nf, Kind.SYN, St.SUCCESS);
      won = 1 << Kind.SYN;
      t.waiting--;
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
      t.waiting--;
    }
    if (stateOf(nf, Kind.MAIMON) === St.PENDING) {
      nf = withState(nf, Kind.MAIMON, St.SUCCESS);
      won |= 1 << Kind.MAIMON;
      t.waiting--;
    }
    nf |= CF.MIDSTREAM;
  }
  if (nf !== f) t.contacts.set(key, nf, now);
  if (won !== 0) succeed(t, a, b, bport, won, now);
}

/** ICMP/ICMPv6 destination unreachable quoting a probe: that probe failed. */
export function icmpError(t: SourceTracker, v: PacketView): void {
  let a: number;
  let b: number;
  if (v.ipVersion === 4) {
    if (v.icmpType !== 3) return;
    if (t.hasIgnore && t.o.ignore.hasV4(v.innerSrc4)) return;
    a = v.innerSrc4;
    b = v.innerDst4;
  } else {
    if (v.icmpType !== 1) return;
    if (t.hasIgnore && t.o.ignore.hasV6(v.innerSrc6)) return;
    a = ipv6Key(v.innerSrc6);
    b = ipv6Key(v.innerDst6);
  }
  if (v.innerProto !== IPPROTO_UDP && v.innerProto !== IPPROTO_TCP) return; // SCTP quotes: technique-hook.ts
  const portKey = v.innerProto === IPPROTO_UDP ? v.innerDport + UDP_PORT_BASE : v.innerDport;
  const aslot = t.admission.slotOf(a);
  let key = -1;
  let f = -1;
  if (t.contacts.owns(aslot)) f = t.contacts.get((key = hash52(a, b, portKey)));
  if (f < 0 && t.rec.materializeAt(aslot, a, b, portKey)) f = t.contacts.get((key = hash52(a, b, portKey)));
  if (f < 0) return;
  t.replies++;
  t.icmpFailures += failPending(t, a, b, portKey, key, f, v.ts);
}

/** Every pending kind of the contact fails; returns how many. */
function failPending(t: SourceTracker, a: number, b: number, portKey: number, key: number, f: number, now: number): number {
  const p = pendingKinds(f);
  if (p === 0) return 0;
  const created = t.contacts.lastCreated;
  let nf = f;
  for (let k = 0; k < KIND_COUNT; k++) if ((p & (1 << k)) !== 0) nf = withState(nf, k, St.FAILURE);
  t.contacts.set(key, nf, now);
  const s = t.stateFor(a);
  const current = s !== undefined && created >= s.evidenceStart;
  if (s === undefined) {
    // Refused by the target (RST, ICMP unreachable): evidence, the source
    // gets its state now (the slow detector keeps failures of sources the
    // tracker forgets between probes). Timeouts alone never admit: every
    // spoofed source of a flood times out.
    const slot = t.rec.recordOutcome(a, created, -1, b, portKey, false, true, now);
    if (slot >= 0) t.admit(slot, a, now);
    t.failures += pendingCount(f);
    t.waiting -= pendingCount(f);
    return pendingCount(f);
  }
  let n = 0;
  for (let k = 0; k < KIND_COUNT; k++) {
    if ((p & (1 << k)) === 0) continue;
    n++;
    t.failures++;
    t.waiting--;
    if (current) {
      if (k === Kind.SYN) s.answeredSyn++;
      else if (k === Kind.UDP) s.answeredUdp++;
      outcome(t, s, k, b, portKey, false, now);
    }
  }
  return n;
}

export function succeed(t: SourceTracker, a: number, b: number, portKey: number, kinds: number, now: number): void {
  const created = t.contacts.lastCreated;
  const s = t.stateFor(a);
  const current = s !== undefined && created >= s.evidenceStart;
  if (s === undefined) t.rec.recordOutcome(a, created, -1, b, portKey, true, true, now);
  for (let k = 0; k < KIND_COUNT; k++) {
    if ((kinds & (1 << k)) === 0) continue;
    t.successes++;
    if (current) {
      if (k === Kind.SYN) s.answeredSyn++;
      else if (k === Kind.UDP) s.answeredUdp++;
      outcome(t, s, k, b, portKey, true, now);
    }
  }
}

export function outcome(t: SourceTracker, s: SourceState, kind: number, dst: number, portKey: number, success: boolean, now: number): void {
  if (success) s.successes++;
  else {
    s.failures++;
    if (kind === Kind.SYN || kind === Kind.UDP) s.fail.add(dst, portKey);
    else if (kind === Kind.ACK || kind === Kind.MAIMON) s.kindCount[kind]++;
  }
  const parts = t.parts;
  for (let i = 0; i < parts.length; i++) parts[i].onOutcome?.(s, kind, dst, portKey, success, now);
  t.events.changed(s, now);
}
