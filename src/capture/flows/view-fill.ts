import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, Layer, type PacketView } from '../../decode/packet-view.js';
import type { Ev } from './flow-entry.js';

/**
 * Write one planned view into the source's one PacketView, as the decoder
 * would have for such a packet: the entry's tuple, the event's flags and
 * payload, an ICMP error's quoted probe. `ts` is the (monotonic) packet time.
 */
export function fillView(v: PacketView, ev: Ev, ts: number): void {
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
