import type { PacketView } from '../../decode/packet-view.js';
import { ContactTable } from '../../track/contact-table.js';
import { hash52 } from '../../track/hash.js';
import { Mark } from '../scan/fingerprint.js';
import { Kind } from '../scan/kinds.js';
import { Det } from '../scan/det.js';
import type { TechniqueHook, TechniquePart } from '../scan/technique-hook.js';
import { osProbe } from './os-probes.js';

export interface OsScanOptions {
  /** Distinct OS probes (of the 16 in os-probes.ts) to one host that name the source (os-min). */
  min: number;
  maxHosts: number;
  /** Seconds a (source, host) entry is remembered. */
  ttl: number;
}

/** Key space of this part's table, apart from every port key (kinds.ts). */
const OS_KEY = 6 * 65536;

/**
 * nmap -O: its probe set (os-probes.ts) names the source with technique
 * `os` and tool nmap, whatever few ports it touches. Per (source, host) a
 * bit set of the probes seen; `min` distinct ones to one host decide. The
 * probes are also what the tracker sees (SYNs, a NULL, an Xmas, ACKs, a UDP
 * datagram): this part only adds the `os` count (distinct host:probe pairs)
 * and the verdict, and never counts a packet as a probe twice.
 */
export class OsScanPart implements TechniquePart {
  readonly name = 'osscan';
  /** Made at the first OS probe: most networks never pay for it. */
  table: ContactTable | null = null;
  hook: TechniqueHook | null = null;
  probes = 0;
  scanners = 0;

  constructor(private readonly o: OsScanOptions) {
  }

  onTcpUdp(v: PacketView, src: number, dst: number, now: number): void {
    const p = osProbe(v);
    if (p >= 0) this.seen(v, src, dst, p, now);
  }

  onIcmp(v: PacketView, src: number, dst: number, now: number): void {
    const p = osProbe(v);
    if (p >= 0) this.seen(v, src, dst, p, now);
  }

  private seen(v: PacketView, src: number, dst: number, probe: number, now: number): void {
    this.probes++;
    const hook = this.hook!;
    const s = hook.source(v, src, now);
    const key = hash52(src, dst, OS_KEY);
    const table = (this.table ??= new ContactTable(this.o.maxHosts, this.o.ttl));
    let f = table.get(key);
    const renew = f >= 0 && table.lastCreated < s.evidenceStart;
    if (f < 0 || renew) f = 0;
    const bit = 1 << probe;
    if ((f & bit) !== 0) return; // a retransmission
    f |= bit;
    table.set(key, f, now, renew);
    s.kindCount[Kind.OS]++;
    if (s.firstSeen === 0) s.firstSeen = now;
    s.lastProbe = now;
    const n = popcount(f);
    if ((s.fired & (1 << Det.OSSCAN)) !== 0) {
      if (n > s.score[Det.OSSCAN]) s.score[Det.OSSCAN] = n;
    } else if (n >= this.o.min) {
      this.scanners++;
      s.marks |= Mark.NMAP_OS;
      s.fire(Det.OSSCAN, n, this.o.min);
    }
    hook.changed(s, now);
  }

  tick(now: number): void {
    this.table?.expire(now);
  }
}

function popcount(x: number): number {
  let n = 0;
  for (let y = x; y !== 0; y &= y - 1) n++;
  return n;
}
