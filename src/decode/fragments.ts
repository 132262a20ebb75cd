import { FragAdd, FragmentTable, FragState, type FragmentTableOptions } from '../track/fragment-table.js';
import { walk, walkIpv6Extensions, WALK_TRUNCATED } from './ipv6.js';
import type { PacketView } from './packet-view.js';
import { Evasion, IPPROTO_TCP, Layer } from './packet-view.js';
import { DecodeStatus } from './status.js';
import { decodeTransport, transportHeaderNeed } from './transport.js';

/**
 * IP fragments, IPv4 and IPv6: put together just enough of each datagram to
 * read its transport header, so a fragmented probe (nmap -f, -ff, --mtu 8)
 * is decoded once, as the datagram it is, and not counted as damage.
 *
 * Per fragment, decode() calls onFragment(), which returns:
 * - FRAG_DIRECT: this fragment is the first one and holds the whole header:
 *   the caller decodes it from the packet as if it were not fragmented.
 * - DecodeStatus.OK: the header was completed from several fragments and is
 *   decoded from the table (Layer.REASSEMBLED; evasion bits set).
 * - DecodeStatus.FRAGMENT: nothing to hand on (the header is not complete
 *   yet, or was handed on already): counted and skipped.
 * - another status for damage.
 *
 * A fragment that rewrites header bytes after the header was handed on
 * (RFC 1858's overlapping-fragment attack sends the harmless header first)
 * hands the datagram on again with the rewritten header and the OVERLAP bit:
 * detectors see both readings, as different targets would (see NOTES.md).
 */
export const FRAG_DIRECT = -1;

export class Reassembler {
  /** null: reassembly off (max entries 0): first fragments that hold a header are still decoded. */
  readonly table: FragmentTable | null;
  // ---- counters (the table has the others) ----
  fragments = 0;
  reassembled = 0;
  firstHeld = 0;
  tiny = 0;
  reemitted = 0;

  constructor(o: FragmentTableOptions) {
    this.table = o.maxEntries > 0 ? new FragmentTable(o) : null;
  }
}

/**
 * One fragment of the datagram in `view` (addresses and, for IPv4, proto
 * already set). `at` is where the fragment's data starts in view.bytes, `len`
 * its declared length, `avail` the captured part of it; `off` the fragment
 * offset in bytes; `next` the protocol after the IP header (IPv4) or after
 * the fragment header (IPv6); `directL4` where the transport header starts in
 * the packet when this is a first fragment the caller could walk, else -1.
 */
export function onFragment(
  view: PacketView,
  r: Reassembler | null,
  v6: boolean,
  id: number,
  next: number,
  off: number,
  at: number,
  len: number,
  avail: number,
  last: boolean,
  directL4: number,
): number {
  view.layers |= Layer.FRAGMENT;
  if (r !== null) r.fragments++;
  const t = r === null ? null : r.table;
  if (t === null) {
    if (off !== 0 || directL4 < 0) return DecodeStatus.FRAGMENT;
    const need = needInPacket(view.bytes, directL4, view.proto, at + avail) + (directL4 - at);
    if (len >= need) return avail >= need ? FRAG_DIRECT : DecodeStatus.TRUNCATED;
    return DecodeStatus.FRAGMENT;
  }
  const rr = r as Reassembler;
  const slot = v6 ? t.slot6(view.src6, view.dst6, id, view.ts) : t.slot4(view.src4, view.dst4, id, view.proto, view.ts);
  const added = t.add(slot, view.bytes, at, off, len, avail, last);
  if ((added & FragAdd.CHANGED) !== 0) t.evasion[slot] |= Evasion.OVERLAP;
  const state = t.state[slot];
  let status: number = DecodeStatus.FRAGMENT;
  // Bytes present from the start (one scan of the coverage map per fragment).
  const pre = t.prefix(slot);
  const need = (state & FragState.FIRST) !== 0 ? headerNeed(t, slot, pre, v6, next) : -1;
  if (need >= 0) {
    const emitted = (state & FragState.EMITTED) !== 0;
    const rewrote = emitted && (added & FragAdd.CHANGED) !== 0 && off < need;
    if (!emitted || rewrote) {
      if (pre >= need) {
        t.state[slot] |= FragState.EMITTED;
        const firstLen = t.firstLen[slot];
        if (!emitted && off === 0 && len === firstLen && len >= need && t.evasion[slot] === 0 && directL4 >= 0) {
          rr.firstHeld++;
          status = FRAG_DIRECT;
        } else {
          if (firstLen < need && (t.evasion[slot] & Evasion.TINY_FRAGMENT) === 0) {
            t.evasion[slot] |= Evasion.TINY_FRAGMENT;
            rr.tiny++;
          }
          if (emitted) rr.reemitted++;
          else rr.reassembled++;
          status = fromTable(view, t, slot, pre, v6, next);
        }
      } else if (off === 0 && len >= need && avail < need) {
        status = DecodeStatus.TRUNCATED; // the header was on the wire, the capture cut it
      }
    }
  }
  if ((t.state[slot] & FragState.EMITTED) !== 0 && t.complete(slot)) t.free(slot);
  return status;
}

/** Header bytes needed from the start of the datagram's data, or -1 when not known yet. */
function headerNeed(t: FragmentTable, slot: number, pre: number, v6: boolean, next: number): number {
  const base = slot * t.cap;
  let l4 = base;
  let proto = next;
  if (v6) {
    l4 = walkIpv6Extensions(t.data, next, base, base + pre);
    if (l4 < 0) return l4 === WALK_TRUNCATED && pre < t.cap ? -1 : t.cap + 1; // extension chain past the cap: never
    proto = walk.proto;
  }
  let need = needInPacket(t.data, l4, proto, base + pre) + (l4 - base);
  if (need > t.cap) need = t.cap;
  const total = t.total[slot];
  if (total >= 0 && need > total) need = total;
  return need;
}

/** Transport header bytes to read at `l4` (TCP: its data offset once byte 12 is there). */
function needInPacket(b: Uint8Array, l4: number, proto: number, end: number): number {
  const need = transportHeaderNeed(proto);
  if (proto === IPPROTO_TCP && l4 + 13 <= end) {
    const doff = (b[l4 + 12] >> 4) * 4;
    if (doff > need) return doff;
  }
  return need;
}

function fromTable(view: PacketView, t: FragmentTable, slot: number, pre: number, v6: boolean, next: number): number {
  const base = slot * t.cap;
  const end = base + pre;
  let l4 = base;
  if (v6) {
    l4 = walkIpv6Extensions(t.data, next, base, end);
    if (l4 < 0) return DecodeStatus.BAD_IP;
    view.proto = walk.proto;
  }
  view.bytes = t.data;
  view.l4Offset = l4;
  view.layers |= Layer.REASSEMBLED;
  view.evasion = t.evasion[slot];
  let s = decodeTransport(view, end);
  if (s === DecodeStatus.TRUNCATED) s = DecodeStatus.BAD_TRANSPORT; // the datagram itself is shorter than its header
  // Payload bytes are not kept: give the datagram's payload length, no offset.
  const total = t.total[slot] >= 0 ? t.total[slot] : t.maxEnd[slot];
  const header = view.payloadOffset >= 0 ? view.payloadOffset - base : end - base;
  view.payloadOffset = -1;
  view.payloadLength = total > header ? total - header : 0;
  return s;
}
