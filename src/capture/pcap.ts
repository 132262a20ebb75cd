import { u32, u32le } from '../decode/bytes.js';
import type { PacketView } from '../decode/packet-view.js';
import type { PacketHandler } from './source.js';
import { MAX_RECORD_BYTES, type RecordParser } from './record-parser.js';

/** Classic pcap magics as read big-endian from the first 4 bytes. */
export const PCAP_MAGIC_US_BE = 0xa1b2c3d4;
export const PCAP_MAGIC_US_LE = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_BE = 0xa1b23c4d;
export const PCAP_MAGIC_NS_LE = 0x4d3cb2a1;
/** Kuznetzov's "modified" pcap: 24-byte record headers (ifindex, protocol, pkttype). */
export const PCAP_MAGIC_MOD_BE = 0xa1b2cd34;
export const PCAP_MAGIC_MOD_LE = 0x34cdb2a1;

export function isPcapMagic(m: number): boolean {
  return (
    m === PCAP_MAGIC_US_BE ||
    m === PCAP_MAGIC_US_LE ||
    m === PCAP_MAGIC_NS_BE ||
    m === PCAP_MAGIC_NS_LE ||
    m === PCAP_MAGIC_MOD_BE ||
    m === PCAP_MAGIC_MOD_LE
  );
}

/**
 * Classic libpcap format (both byte orders, micro- and nanosecond stamps).
 * Byte order and time scale are chosen once from the magic; per record we read
 * four words and hand the bytes to the pipeline in place.
 */
export class PcapParser implements RecordParser {
  readonly format: string = 'pcap';
  need = 24;
  damage: string | null = null;
  packets = 0;
  stopRequested = false;
  linkType = -1;
  snaplen = 0;
  private le = true;
  private nsPerUnit = 1000;
  private recordHeader = 16;
  private headerDone = false;

  constructor(
    private readonly view: PacketView,
    private readonly onPacket: PacketHandler,
    private readonly offsetOf: (i: number) => number,
  ) {}

  private u32(b: Uint8Array, i: number): number {
    return this.le ? u32le(b, i) : u32(b, i);
  }

  private fileHeader(b: Uint8Array, s: number): void {
    const magic = u32(b, s);
    this.le = magic === PCAP_MAGIC_US_LE || magic === PCAP_MAGIC_NS_LE || magic === PCAP_MAGIC_MOD_LE;
    this.nsPerUnit = magic === PCAP_MAGIC_NS_BE || magic === PCAP_MAGIC_NS_LE ? 1 : 1000;
    this.recordHeader = magic === PCAP_MAGIC_MOD_BE || magic === PCAP_MAGIC_MOD_LE ? 24 : 16;
    this.snaplen = this.u32(b, s + 16);
    // The top bits of the link-type word carry FCS information (pcap-savefile(5)).
    this.linkType = this.u32(b, s + 20) & 0x0fffffff;
    this.headerDone = true;
  }

  parse(b: Uint8Array, start: number, end: number): number {
    let p = start;
    if (!this.headerDone) {
      if (end - p < 24) {
        this.need = 24;
        return p;
      }
      this.fileHeader(b, p);
      p += 24;
    }
    const view = this.view;
    const hdr = this.recordHeader;
    const nsPerUnit = this.nsPerUnit;
    const linkType = this.linkType;
    while (!this.stopRequested) {
      if (end - p < hdr) {
        this.need = hdr;
        return p;
      }
      const sec = this.u32(b, p);
      const frac = this.u32(b, p + 4);
      const caplen = this.u32(b, p + 8);
      const wirelen = this.u32(b, p + 12);
      if (caplen > MAX_RECORD_BYTES) {
        this.damage =
          `record ${this.packets + 1} at byte ${this.offsetOf(p)} claims ${caplen} captured bytes: ` +
          `the file is corrupt from there on`;
        return p;
      }
      if (end - p < hdr + caplen) {
        this.need = hdr + caplen;
        return p;
      }
      let ns = frac * nsPerUnit;
      let secs = sec;
      if (ns >= 1e9) {
        // Some writers let the fraction overflow; carry it instead of rejecting the record.
        secs += Math.floor(ns / 1e9);
        ns %= 1e9;
      }
      view.setRaw(b, p + hdr, caplen, wirelen < caplen ? caplen : wirelen, linkType, secs, ns);
      this.packets++;
      this.onPacket(view);
      p += hdr + caplen;
    }
    return p;
  }
}
