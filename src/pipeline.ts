import { defineModule } from './config/params.js';
import { decode } from './decode/decode.js';
import type { Reassembler } from './decode/fragments.js';
import { defaultReassembler, registerFragmentCounters } from './decode/module.js';
import { ipv6Key } from './decode/address.js';
import { Layer, TcpFlag, type PacketView } from './decode/packet-view.js';
import { DECODE_STATUS_NAMES, DecodeStatus, isMalformed } from './decode/status.js';
import type { Detector } from './detect/detector.js';
import type { FlowSkip } from './track/flow-skip.js';
import { counterList, type CounterTable, type StatsRegistry } from './stats/counters.js';

export const PIPELINE_COUNTERS = {
  seen: { name: 'packets.seen', kind: 'sum', help: 'Packets (or flow records) handed to the pipeline by the source.' },
  decoded: { name: 'packets.decoded', kind: 'sum', help: 'Packets decoded to IP and given to the detectors.' },
  malformed: { name: 'packets.malformed', kind: 'sum', help: 'Packets skipped as damaged: the sum of decode.truncated, decode.bad_ip and decode.bad_transport.' },
  truncated: { name: 'decode.truncated', kind: 'sum', help: 'Packets cut before a header we need (snap length or damage).' },
  unsupportedLink: { name: 'decode.unsupported_link', kind: 'sum', help: 'Packets of a link type with no decoder.' },
  notIp: { name: 'decode.not_ip', kind: 'sum', help: 'Well-formed frames without IP (ARP, LLDP, STP...).' },
  badIp: { name: 'decode.bad_ip', kind: 'sum', help: 'IPv4/IPv6 headers with a wrong version or inconsistent lengths.' },
  badTransport: { name: 'decode.bad_transport', kind: 'sum', help: 'TCP/UDP/ICMP/SCTP headers that are inconsistent (e.g. TCP data offset < 5), or datagrams shorter than their transport header.' },
  fragment: { name: 'decode.fragment', kind: 'sum', help: 'IP fragments that completed no transport header (later pieces of a datagram already decoded, or of one never completed): skipped, not damage. See frag.*.' },
  badTime: { name: 'packets.bad_time', kind: 'sum', help: 'Packets skipped because their time is before 1970 or after 2262-04-11 (what a signed 64-bit nanosecond clock holds): damaged stamps, if_tsresol/if_tsoffset gone wrong.' },
  backwards: { name: 'clock.backwards', kind: 'sum', help: 'Packets stamped earlier than one already seen (reordering): handled in the open frame.' },
} as const satisfies CounterTable;

/**
 * Latest packet time we accept, seconds: 2^63 ns, the end of a signed 64-bit
 * nanosecond clock (2262-04-11T23:47:16Z), which is InfluxDB's and Go's limit.
 * Below it a double still resolves 2 µs, so every packet-time step (a 10 s UDP
 * interval, a 1 s housekeeping tick) advances; JavaScript's Date (8.64e12 s)
 * and every formatter hold it.
 */
export const MAX_PACKET_TIME = 9_223_372_036;

export const pipelineModule = defineModule({
  name: 'pipeline',
  help: 'Decoding: what came in, what was decoded, what was skipped and why.',
  params: [],
  counters: counterList(PIPELINE_COUNTERS),
});

/**
 * decode -> detectors, per packet, with counters. Also owns the packet clock:
 * `now` is the latest packet time seen, which is what end-of-input flushes and
 * live quiet-wire ticks move forward.
 */
export class Pipeline {
  /** The detectors' clock: latest packet time, or a later live tick (seconds). */
  now = 0;
  /** Latest packet time seen; reordering is judged against this, never against a tick. */
  private lastPacket = 0;
  seen = 0;
  decoded = 0;
  backwards = 0;
  badTime = 0;
  readonly byStatus = new Float64Array(DECODE_STATUS_NAMES.length);
  /** The scan engine's settled connections; null without the engine. */
  private readonly settled: FlowSkip | null;
  /** Per detector, what a settled connection's ACK goes to: onSettled, else onPacket. */
  private readonly settledPath: ((view: PacketView) => void)[];

  constructor(
    private readonly detectors: readonly Detector[],
    stats: StatsRegistry,
    /** IP fragment reassembly (decode/module.ts); defaults when not given. */
    private readonly frags: Reassembler = defaultReassembler(),
  ) {
    registerFragmentCounters(frags, stats);
    this.settled = detectors.find((d) => d.settled !== undefined)?.settled ?? null;
    this.settledPath = detectors.map((d) => (d.onSettled ?? d.onPacket).bind(d));
    const st = this.byStatus;
    stats.bind(PIPELINE_COUNTERS, {
      seen: () => this.seen,
      decoded: () => this.decoded,
      malformed: () => {
        let n = 0;
        for (let s = 1; s < st.length; s++) if (isMalformed(s)) n += st[s];
        return n;
      },
      truncated: () => st[DecodeStatus.TRUNCATED],
      unsupportedLink: () => st[DecodeStatus.UNSUPPORTED_LINK],
      notIp: () => st[DecodeStatus.NOT_IP],
      badIp: () => st[DecodeStatus.BAD_IP],
      badTransport: () => st[DecodeStatus.BAD_TRANSPORT],
      fragment: () => st[DecodeStatus.FRAGMENT],
      badTime: () => this.badTime,
      backwards: () => this.backwards,
    });
  }

  /** A raw packet from a capture source. Bound, so it can be passed as a handler. */
  readonly onPacket = (view: PacketView): void => {
    this.seen++;
    // Written so NaN fails too. Before decode: a bad stamp is bad input, like a bad header.
    if (!(view.ts >= 0 && view.ts <= MAX_PACKET_TIME)) {
      this.badTime++;
      return;
    }
    const status = decode(view, this.frags);
    if (status !== DecodeStatus.OK) {
      this.byStatus[status]++;
      return;
    }
    this.dispatch(view);
  };

  /** A view whose decoded fields a source filled itself (flow records). */
  readonly onDecoded = (view: PacketView): void => {
    this.seen++;
    if (!(view.ts >= 0 && view.ts <= MAX_PACKET_TIME)) {
      this.badTime++;
      return;
    }
    this.dispatch(view);
  };

  private dispatch(view: PacketView): void {
    this.decoded++;
    if (view.ts >= this.lastPacket) this.lastPacket = view.ts;
    else this.backwards++;
    if (view.ts > this.now) this.now = view.ts;
    if (this.isSettled(view)) {
      const h = this.settledPath;
      for (let i = 0; i < h.length; i++) h[i](view);
      return;
    }
    const d = this.detectors;
    for (let i = 0; i < d.length; i++) d[i].onPacket(view);
  }

  /**
   * An ACK of a connection the scan engine settled (issue 9: established flows
   * skipped before any lookup): 69% of the realistic bench mix (137,789 of
   * 200,003 packets). Only an ACK without SYN or RST: every probe kind the
   * tracker judges before its own settled check (SYN, FIN, NULL, Xmas) has no
   * ACK. A SYN on settled ports unsettles them in the tracker
   * (source-tracker.ts tcp), where its probe path pays the lookup: here every
   * SYN of a flood would (a 200,000-SYN flood replay: 7.20-7.38 G instructions
   * here, 7.16-7.18 G in the tracker).
   */
  private isSettled(view: PacketView): boolean {
    const s = this.settled;
    if (s === null || (view.layers & Layer.TCP) === 0) return false;
    if ((view.tcpFlags & (TcpFlag.SYN | TcpFlag.RST | TcpFlag.ACK)) !== TcpFlag.ACK) return false;
    if (view.ipVersion === 4) s.key(view.src4, view.dst4, view.sport, view.dport);
    else s.key(ipv6Key(view.src6), ipv6Key(view.dst6), view.sport, view.dport);
    if (!s.has()) return false;
    s.skipped++;
    return true;
  }

  /** Live quiet-wire tick: move every detector's clock to `now` (wall clock ~ packet clock). */
  tick(now: number): void {
    if (now > this.now) this.now = now;
    for (const d of this.detectors) d.tick(this.now);
  }

  /** End of input: close everything at the latest packet time. */
  flush(): void {
    for (const d of this.detectors) d.flush(this.now);
  }
}
