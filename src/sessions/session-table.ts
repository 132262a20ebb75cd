import { ipv6Key } from '../decode/address.js';
import { Layer, TcpFlag, type PacketView } from '../decode/packet-view.js';
import { hash52 } from '../track/hash.js';
import { LruTable } from '../track/lru-table.js';
import { Session } from './session.js';

/** Why a session was closed. */
export const enum SessionEnd {
  /** `window` seconds of packet time without a packet: nmap-harvester's rule. */
  IDLE = 0,
  /** The table was full (`maxSessions`): the least recently active one is closed early. */
  EVICTED = 1,
  /** Another 5-tuple hashed to the same key (~2^-52): the old one is closed early. */
  COLLISION = 2,
  /** End of input. */
  FLUSH = 3,
}

export interface SessionTableOptions {
  /** Seconds without a packet that close a session (nmap-harvester: 0.5). */
  window: number;
  maxSessions: number;
  /** A closed session; valid only during the call (the object is reused). */
  onClose: (s: Session, end: SessionEnd) => void;
}

/**
 * nmap-harvester's sessions, bounded and on packet time. Keyed by the full
 * direction-independent 5-tuple (the harvester keys by the port pair only, so
 * two hosts using the same ports merged), IPv4 and IPv6, TCP only (the
 * features are TCP flags, and the harvester's filter is `tcp`). Sessions close
 * when packet time passes `window` after their last packet (checked on every
 * packet: the table's expiry stops at the first fresh session, so this costs
 * one comparison when nothing closes), on tick() for a quiet live link, when
 * the table is full, and at flush(). Per packet: no allocation (sessions are
 * pooled), no throw.
 */
export class SessionTable {
  readonly table: LruTable<Session>;
  private readonly pool: Session[] = [];
  /** Latest packet time seen. */
  now = 0;

  packets = 0;
  notTcp = 0;
  opened = 0;
  closed = 0;
  collisions = 0;
  flushed = 0;

  constructor(private readonly o: SessionTableOptions) {
    this.table = new LruTable<Session>({
      maxEntries: o.maxSessions,
      idleTimeout: o.window,
      onRemove: (s, reason) => this.close(s, reason === 'evicted' ? SessionEnd.EVICTED : SessionEnd.IDLE),
    });
  }

  get open(): number {
    return this.table.size;
  }

  onPacket(v: PacketView): void {
    if ((v.layers & Layer.TCP) === 0) {
      this.notTcp++;
      return;
    }
    this.packets++;
    const ts = v.ts;
    if (ts > this.now) this.now = ts;
    this.table.expire(this.now);
    let a: number;
    let b: number;
    if (v.ipVersion === 4) {
      a = v.src4;
      b = v.dst4;
    } else {
      a = ipv6Key(v.src6);
      b = ipv6Key(v.dst6);
    }
    const sp = v.sport;
    const dp = v.dport;
    // The same key both ways: the lower (address, port) endpoint first.
    const key = a < b || (a === b && sp <= dp) ? hash52(a, b, sp * 65536 + dp) : hash52(b, a, dp * 65536 + sp);
    let s = this.table.get(key, ts);
    let request = true;
    if (s !== undefined) {
      if (s.srcKey === a && s.dstKey === b && s.srcPort === sp && s.dstPort === dp) request = true;
      else if (s.srcKey === b && s.dstKey === a && s.srcPort === dp && s.dstPort === sp) request = false;
      else {
        this.collisions++;
        this.table.delete(key);
        this.close(s, SessionEnd.COLLISION);
        s = undefined;
      }
    }
    if (s === undefined) s = this.start(v, key, a, b, ts);
    if (request) {
      s.requests++;
      if (ts > s.endRequest) s.endRequest = ts;
    } else {
      s.responses++;
      if (s.startResponse < 0) s.startResponse = ts;
      if (ts > s.endResponse) s.endResponse = ts;
    }
    const f = v.tcpFlags;
    if ((f & TcpFlag.SYN) !== 0) s.syn++;
    if ((f & TcpFlag.ACK) !== 0) s.ack++;
    if ((f & TcpFlag.FIN) !== 0) s.fin++;
    if ((f & TcpFlag.RST) !== 0) s.rst++;
    if ((f & TcpFlag.URG) !== 0) s.urg++;
    if ((f & TcpFlag.PSH) !== 0) s.psh++;
  }

  /** The clock moved without a packet (quiet live link): close what is idle. */
  tick(now: number): void {
    if (now > this.now) this.now = now;
    this.table.expire(this.now);
  }

  /** End of input: close every session, oldest first. */
  flush(now: number): void {
    this.tick(now);
    for (;;) {
      const s = this.table.values().next();
      if (s.done) return;
      this.table.delete(s.value.key);
      this.flushed++;
      this.close(s.value, SessionEnd.FLUSH);
    }
  }

  private start(v: PacketView, key: number, a: number, b: number, ts: number): Session {
    const s = this.pool.pop() ?? new Session();
    s.reset(key, ts);
    s.srcKey = a;
    s.dstKey = b;
    s.srcPort = v.sport;
    s.dstPort = v.dport;
    if (v.ipVersion === 4) {
      s.v6 = false;
      s.src4 = v.src4;
      s.dst4 = v.dst4;
    } else {
      s.v6 = true;
      s.src6.set(v.src6);
      s.dst6.set(v.dst6);
    }
    this.opened++;
    return this.table.insert(s, ts);
  }

  private close(s: Session, end: SessionEnd): void {
    this.closed++;
    this.o.onClose(s, end);
    this.pool.push(s);
  }
}
