import { ipv4ToString, ipv6Key, ipv6ToString, isSpecialIpv4, isSpecialIpv6 } from '../../decode/address.js';
import { Layer, TcpFlag, type PacketView } from '../../decode/packet-view.js';
import type { DistributedEvent } from '../../sink/schema.js';
import { hash52 } from '../../track/hash.js';
import { LruTable, type LruEntry } from '../../track/lru-table.js';
import type { Detector } from '../detector.js';
import { HalfOpenTable } from './half-open.js';
import { hashWords } from './hll.js';
import { VictimSlots } from './slots.js';
import { VictimRecords } from './admission.js';

export interface VictimOptions {
  /** Window length, seconds: counts and sketches restart at each multiple of it (packet time). */
  window: number;
  /** Unanswered SYNs to a victim in one window before it can be judged. */
  minUnanswered: number;
  /** Least share of the window's SYNs that must be unanswered (a busy server answers). */
  unansweredShare: number;
  /** Distinct sources (estimated) in the window: below this it is one-to-one, the scan detectors' job. */
  minSources: number;
  /** Share of the unanswered SYNs above which one source makes it one-to-one (the scan detectors' case). */
  maxSourceShare: number;
  /** Distinct ports (estimated) that make a distributed scan. */
  minPorts: number;
  /** Unanswered SYNs per second that, with flood-share, make a flood. */
  floodRate: number;
  /** Share of SYNs the top flood-ports ports must take for a flood. */
  floodShare: number;
  /** Heavy-hitter counters per victim (the "few ports"). */
  floodPorts: number;
  maxVictims: number;
  /** A victim without a SYN for this long is forgotten (packet time). */
  victimIdle: number;
  maxHalfOpen: number;
  /** A handshake not completed after this long is unanswered. */
  halfOpenTimeout: number;
  /** Least time between two updates of one episode. */
  update: number;
  /** An episode not judged again for this long ends. */
  idle: number;
  /** Seed of the sketches' hash (fixed: replays give the same estimates). */
  seed: number;
  sourcePrecision: number;
  portPrecision: number;
  /** Records of the admission stage (admission.ts); SYNs a record holds before its destination gets a slot (0: none). */
  admissionSlots: number;
  admitSyns: number;
  emit: (e: DistributedEvent) => void;
}

interface VictimEntry extends LruEntry {
  readonly slot: number;
}

/**
 * Victim-centric view (many-to-one): per destination, the SYNs it receives,
 * how many of them never became a handshake, and sketches of how many sources
 * and ports they came from. A destination receiving mostly unanswered SYNs
 * from many sources is the victim of a distributed scan (many ports) or of a
 * SYN flood (a few ports take most SYNs). Judged once per second of packet
 * time and at each window's end; events have the scans' start/update/end life.
 */
export class VictimDetector implements Detector {
  readonly name = 'distributed';
  readonly slots: VictimSlots;
  readonly victims: LruTable<VictimEntry>;
  readonly half: HalfOpenTable;
  private readonly pool: VictimEntry[] = [];
  private readonly candidates: number[] = [];
  private readonly activeSet = new Set<number>();
  private now = 0;
  private nextHousekeeping = 0;
  /** Admission records (null: every SYN's destination gets a slot at once). */
  readonly records: VictimRecords | null;
  /** Time of the latest housekeeping: a victim not hit since `hk - victimIdle` was forgotten there. */
  private hk = -Infinity;
  syns = 0;
  retransmits = 0;
  unanswered = 0;
  special = 0;
  starts = 0;
  updates = 0;
  ends = 0;

  constructor(private readonly o: VictimOptions) {
    const n = o.maxVictims + 1; // one spare: insert evicts only after we took an entry
    this.slots = new VictimSlots(n, o.floodPorts, o.window, o.sourcePrecision, o.portPrecision);
    for (let i = n - 1; i >= 0; i--) this.pool.push({ key: 0, lastSeen: 0, lruPrev: null, lruNext: null, slot: i });
    this.victims = new LruTable<VictimEntry>({
      maxEntries: o.maxVictims,
      idleTimeout: o.victimIdle,
      onRemove: (v) => this.release(v),
      protect: (v) => this.slots.active[v.slot] === 1,
    });
    this.half = new HalfOpenTable(o.maxHalfOpen, (slot, gen, src) => this.onUnanswered(slot, gen, src));
    // A record must never hold a judgeable destination: fewer SYNs than min-unanswered.
    const k = Math.min(o.admitSyns, o.minUnanswered - 1, 255);
    this.records = k > 0 ? new VictimRecords(o.admissionSlots, k) : null;
  }

  get activeEpisodes(): number {
    return this.activeSet.size;
  }

  /** Settled connections completed their handshake before they settled: nothing to look up. */
  onSettled(v: PacketView): void {
    if (v.ts > this.now) this.now = v.ts;
    if (v.ts >= this.nextHousekeeping) this.housekeeping(v.ts);
  }

  onPacket(v: PacketView): void {
    if ((v.layers & Layer.TCP) === 0) return;
    const ts = v.ts;
    if (ts > this.now) this.now = ts;
    if (ts >= this.nextHousekeeping) this.housekeeping(ts);
    const flags = v.tcpFlags;
    if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
      this.onSyn(v);
      return;
    }
    if (this.half.size === 0 || (flags & TcpFlag.SYN) !== 0) return;
    const src = v.ipVersion === 4 ? v.src4 : ipv6Key(v.src6);
    const dst = v.ipVersion === 4 ? v.dst4 : ipv6Key(v.dst6);
    if ((flags & TcpFlag.RST) !== 0) {
      // Either side's RST ends the attempt unanswered: a closed port, or a SYN scanner's teardown.
      this.half.giveUp(hash52(src, dst, v.sport * 65536 + v.dport));
      this.half.giveUp(hash52(dst, src, v.dport * 65536 + v.sport));
    } else if (this.half.complete(hash52(src, dst, v.sport * 65536 + v.dport))) {
      // The client's ACK of the SYN-ACK: a real handshake, not a victim's burden. Nothing more to do.
    }
  }

  private onSyn(v: PacketView): void {
    const s = this.slots;
    let dst: number;
    if (v.ipVersion === 4) {
      if (isSpecialIpv4(v.dst4)) {
        this.special++;
        return;
      }
      dst = v.dst4;
    } else {
      if (isSpecialIpv6(v.dst6)) {
        this.special++;
        return;
      }
      dst = ipv6Key(v.dst6);
    }
    const ts = v.ts;
    // A destination with a live admission record has no slot: skip the table lookup.
    const rec = this.records;
    let e: VictimEntry | undefined;
    if (rec !== null) {
      const r = rec.slotOf(dst);
      e = rec.key[r] === dst + 1 && rec.last[r] > this.hk - this.o.victimIdle ? undefined : this.victims.get(dst, ts);
    } else e = this.victims.get(dst, ts);
    if (e === undefined) {
      e = this.records !== null ? this.record(v, dst, ts) : this.admit(v, dst, ts);
      if (e === undefined) return; // held in its admission record
    }
    const i = e.slot;
    if (ts >= s.winStart[i] + this.o.window) this.rollWindow(i, ts);
    if (s.winSyns[i] === 0) s.winFirst[i] = ts;
    const src = v.ipVersion === 4 ? v.src4 : ipv6Key(v.src6);
    const conn = hash52(src, dst, v.sport * 65536 + v.dport);
    this.syns++;
    if (this.half.has(conn)) {
      this.retransmits++; // the same attempt again: not a new SYN to judge
      return;
    }
    this.half.open(conn, i, s.gen[i], ts, src);
    s.winSyns[i]++;
    const sh = v.ipVersion === 4 ? hashWords(this.o.seed, v.src4, 0, 0, 0) : hashWords(this.o.seed, v.src6[0], v.src6[1], v.src6[2], v.src6[3]);
    const ph = hashWords(this.o.seed ^ 0x9e3779b9, v.dport, 0, 0, 0);
    s.winSources.add(i, sh);
    s.winPorts.add(i, ph);
    s.countPort(i, v.dport);
    if (s.active[i] === 1) {
      s.epSyns[i]++;
      s.epLast[i] = ts;
      s.epSources.add(i, sh);
      s.epPorts.add(i, ph);
    }
  }

  /**
   * A SYN to a destination without a slot, into its admission record:
   * undefined. Or the destination gets its slot now (its record full, or this
   * SYN in a later window), with the record replayed into it.
   */
  private record(v: PacketView, dst: number, ts: number): VictimEntry | undefined {
    const rec = this.records!;
    const r = rec.slotOf(dst);
    const win = Math.floor(ts / this.o.window) * this.o.window;
    // A record not hit since the last housekeeping's idle limit is gone, as a victim is.
    if (rec.key[r] !== dst + 1 || rec.last[r] <= this.hk - this.o.victimIdle) rec.claim(r, dst, win);
    else if (rec.win[r] !== win || rec.n[r] === rec.k) return this.replay(v, dst, r, ts);
    rec.last[r] = ts;
    if (rec.n[r] === 0) rec.first[r] = ts;
    const src = v.ipVersion === 4 ? v.src4 : ipv6Key(v.src6);
    const conn = hash52(src, dst, v.sport * 65536 + v.dport);
    this.syns++;
    if (this.half.has(conn)) {
      this.retransmits++;
      return undefined;
    }
    const sh = v.ipVersion === 4 ? hashWords(this.o.seed, v.src4, 0, 0, 0) : hashWords(this.o.seed, v.src6[0], v.src6[1], v.src6[2], v.src6[3]);
    rec.add(r, sh, v.dport, conn);
    this.half.open(conn, -1 - r, rec.gen[r], ts, src);
    return undefined;
  }

  /** Give `dst` its slot with record `r` replayed in: what the slot would hold had it come at the first SYN. */
  private replay(v: PacketView, dst: number, r: number, ts: number): VictimEntry {
    const rec = this.records!;
    const e = this.admit(v, dst, ts);
    const s = this.slots;
    const i = e.slot;
    const rgen = rec.gen[r];
    s.resetWindow(i, rec.win[r]);
    const n = rec.n[r];
    s.winFirst[i] = rec.first[r];
    s.winSyns[i] = n;
    const base = r * rec.k;
    for (let j = base; j < base + n; j++) {
      s.winSources.add(i, rec.sh[j]);
      s.winPorts.add(i, hashWords(this.o.seed ^ 0x9e3779b9, rec.dport[j], 0, 0, 0));
      s.countPort(i, rec.dport[j]);
      this.half.repoint(rec.conn[j], -1 - r, rgen, i, s.gen[i]);
    }
    const nu = rec.nu[r];
    for (let j = base; j < base + nu; j++) s.countSource(i, rec.usrc[j]);
    s.winUnanswered[i] = nu;
    rec.release(r);
    return e;
  }

  /** A new victim: a slot from the pool (the table evicts its least recently used when full). */
  private admit(v: PacketView, key: number, ts: number): VictimEntry {
    const e = this.pool.pop()!;
    e.key = key;
    const s = this.slots;
    const i = e.slot;
    s.reuse(i);
    s.isV6[i] = v.ipVersion === 6 ? 1 : 0;
    s.addr4[i] = v.dst4;
    if (v.ipVersion === 6) s.addr6.set(v.dst6, 4 * i);
    s.resetWindow(i, Math.floor(ts / this.o.window) * this.o.window);
    this.victims.insert(e, ts);
    return e;
  }

  private release(e: VictimEntry): void {
    const i = e.slot;
    if (this.slots.active[i] === 1) this.end(i, Math.max(this.slots.lastEmit[i], this.now));
    this.slots.gen[i]++;
    this.slots.candidate[i] = 0;
    this.pool.push(e);
  }

  private onUnanswered(slot: number, gen: number, src: number): void {
    if (slot < 0) {
      // A SYN held in an admission record (never judgeable there: fewer than min-unanswered).
      const rec = this.records!;
      const r = -1 - slot;
      if (rec.gen[r] !== gen || rec.last[r] <= this.hk - this.o.victimIdle) return;
      this.unanswered++;
      rec.usrc[r * rec.k + rec.nu[r]++] = src;
      return;
    }
    const s = this.slots;
    if (s.gen[slot] !== gen) return; // the victim left the table meanwhile
    this.unanswered++;
    s.countSource(slot, src);
    s.winUnanswered[slot]++;
    if (s.active[slot] === 1) s.epUnanswered[slot]++;
    if (s.winUnanswered[slot] + s.prevUnanswered[slot] >= this.o.minUnanswered) this.markCandidate(slot);
  }

  /** The window ended: judge it one last time with its full counts, then start the next. */
  private rollWindow(i: number, ts: number): void {
    const s = this.slots;
    const end = s.winStart[i] + this.o.window;
    if (s.candidate[i] === 1) this.judge(i, end);
    s.rollWindow(i, Math.floor(ts / this.o.window) * this.o.window);
    if (s.prevUnanswered[i] >= this.o.minUnanswered) this.markCandidate(i);
  }

  private markCandidate(i: number): void {
    if (this.slots.candidate[i] === 1) return;
    this.slots.candidate[i] = 1;
    this.candidates.push(i);
  }

  /**
   * Judge victim slot `i` at `now` on its current window and the one just
   * before it (when there was one); start or update its episode.
   */
  private judge(i: number, now: number): boolean {
    const s = this.slots;
    const o = this.o;
    const u = s.winUnanswered[i] + s.prevUnanswered[i];
    const syns = s.winSyns[i] + s.prevSyns[i];
    if (u < o.minUnanswered || u < o.unansweredShare * syns) return false;
    const sources = s.winSources.estimateUnion(s.prevSources, i);
    if (sources < o.minSources) return false;
    // One source behind most unanswered SYNs (a scanner among a server's clients): one-to-one.
    if (s.topSourceCount(i) > o.maxSourceShare * s.srcTotal[i]) return false;
    // Rate since the first SYN of the two windows (at least a second).
    const first = s.prevSyns[i] > 0 ? s.prevFirst[i] : s.winFirst[i] > 0 ? s.winFirst[i] : s.winStart[i];
    const rate = u / Math.max(1, now - first);
    // A few ports take most SYNs: judged on the current window (heavy hitters are per window).
    const flood = rate >= o.floodRate && s.winSyns[i] > 0 && s.topCount(i) >= o.floodShare * s.winSyns[i];
    if (!flood && s.winPorts.estimateUnion(s.prevPorts, i) < o.minPorts) return false;
    s.lastJudged[i] = now;
    s.lastRate[i] = rate;
    s.keepTopPorts(i);
    const floodChanged = (s.flood[i] === 1) !== flood;
    s.flood[i] = flood ? 1 : 0;
    if (s.active[i] === 0) this.start(i, now, first, syns, u);
    else {
      s.winSources.mergeInto(s.epSources, i);
      s.winPorts.mergeInto(s.epPorts, i);
      if (floodChanged || now - s.lastEmit[i] >= o.update) {
        this.updates++;
        this.send(i, 'update', now);
      }
    }
    return true;
  }

  /** The episode starts with both judged windows' counts and sketches. */
  private start(i: number, now: number, first: number, syns: number, unanswered: number): void {
    const s = this.slots;
    s.active[i] = 1;
    s.epFirst[i] = first;
    s.epLast[i] = Math.max(first, Math.min(now, this.now));
    s.epSyns[i] = syns;
    s.epUnanswered[i] = unanswered;
    s.prevSources.copyInto(s.epSources, i);
    s.prevPorts.copyInto(s.epPorts, i);
    s.winSources.mergeInto(s.epSources, i);
    s.winPorts.mergeInto(s.epPorts, i);
    s.ids[i] = `${this.victimText(i)}-${Math.round(s.epFirst[i] * 1000)}`;
    this.activeSet.add(i);
    this.starts++;
    this.send(i, 'start', now);
  }

  private end(i: number, ts: number): void {
    this.ends++;
    this.send(i, 'end', ts);
    this.slots.active[i] = 0;
    this.activeSet.delete(i);
  }

  private victimText(i: number): string {
    const s = this.slots;
    return s.isV6[i] === 1 ? ipv6ToString(s.addr6.subarray(4 * i, 4 * i + 4)) : ipv4ToString(s.addr4[i]);
  }

  private send(i: number, event: DistributedEvent['event'], ts: number): void {
    const s = this.slots;
    s.lastEmit[i] = ts;
    this.o.emit({
      kind: 'distributed',
      ts,
      event,
      id: s.ids[i],
      victim: this.victimText(i),
      sources: Math.round(s.epSources.estimate(i)),
      ports: Math.round(s.epPorts.estimate(i)),
      rate: Math.round(s.lastRate[i] * 10) / 10,
      syns: s.epSyns[i],
      unanswered: s.epUnanswered[i],
      flood: s.flood[i] === 1,
      topPorts: s.topPorts(i),
      firstSeen: s.epFirst[i],
      lastSeen: s.epLast[i],
    });
  }

  /** Once per second of packet time: time out handshakes, judge candidates, end idle episodes. */
  private housekeeping(now: number): void {
    this.nextHousekeeping = Math.floor(now) + 1;
    this.half.expire(now, this.o.halfOpenTimeout);
    this.victims.expire(now);
    this.hk = now;
    this.judgeCandidates(now);
    for (const i of this.activeSet) {
      const until = this.slots.lastJudged[i] + this.o.idle;
      if (until <= now) this.end(i, Math.max(this.slots.lastEmit[i], until));
    }
  }

  private judgeCandidates(now: number): void {
    const c = this.candidates;
    let kept = 0;
    for (let j = 0; j < c.length; j++) {
      const i = c[j];
      if (this.slots.candidate[i] !== 1) continue;
      // A window that ended without a SYN since is judged at its end, then dropped.
      const end = this.slots.winStart[i] + this.o.window;
      if (now >= end) {
        this.judge(i, end);
        this.slots.candidate[i] = 0;
        continue;
      }
      this.judge(i, now);
      c[kept++] = i;
    }
    c.length = kept;
  }

  tick(now: number): void {
    if (now > this.now) this.now = now;
    this.housekeeping(now);
  }

  /** End of input: every open handshake is unanswered now; judge, then end every episode. */
  flush(now: number): void {
    if (now > this.now) this.now = now;
    this.half.drainAll();
    this.judgeCandidates(now);
    for (const i of [...this.activeSet]) this.end(i, Math.max(this.slots.lastEmit[i], now));
  }
}
