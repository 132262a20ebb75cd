import { u16, u16le, u32, u32le } from '../decode/bytes.js';
import type { PacketView } from '../decode/packet-view.js';
import type { PacketHandler } from './source.js';
import { hex32, MAX_RECORD_BYTES, type RecordParser } from './record-parser.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_IDB = 1;
const BLOCK_OBSOLETE_PACKET = 2;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** One Interface Description Block: link type and how to read its timestamps. */
interface NgInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second: 10^k or 2^k (if_tsresol, default 10^6). */
  unitsPerSecond: number;
  /** Whole seconds added to every timestamp (if_tsoffset). */
  offsetSeconds: number;
}

/**
 * pcapng: Section Header, Interface Description, Enhanced, Simple and the
 * obsolete Packet blocks; everything else is skipped by its length. Each
 * section sets its own byte order; each interface its own link type and
 * timestamp resolution, so a file mixing Ethernet and cooked interfaces with
 * different if_tsresol decodes correctly.
 */
export class PcapngParser implements RecordParser {
  readonly format = 'pcapng';
  need = 12;
  damage: string | null = null;
  packets = 0;
  stopRequested = false;
  private le = true;
  private interfaces: NgInterface[] = [];
  /** Simple Packet Blocks carry no time: they get the last time seen. */
  private lastSec = 0;
  private lastNsec = 0;

  constructor(
    private readonly view: PacketView,
    private readonly onPacket: PacketHandler,
    private readonly offsetOf: (i: number) => number,
  ) {}

  get linkTypes(): number[] {
    return this.interfaces.map((i) => i.linkType);
  }

  private u32(b: Uint8Array, i: number): number {
    return this.le ? u32le(b, i) : u32(b, i);
  }

  private u16(b: Uint8Array, i: number): number {
    return this.le ? u16le(b, i) : u16(b, i);
  }

  parse(b: Uint8Array, start: number, end: number): number {
    let p = start;
    while (!this.stopRequested) {
      if (end - p < 12) {
        this.need = 12;
        return p;
      }
      const type = this.u32(b, p);
      if (type === PCAPNG_SHB) {
        // The byte-order magic decides how to read this section, its length included.
        const bom = u32(b, p + 8);
        if (bom === BYTE_ORDER_MAGIC) this.le = false;
        else if (bom === 0x4d3c2b1a) this.le = true;
        else return this.fail(p, `section header with bad byte-order magic ${hex32(bom)}`);
      }
      const len = this.u32(b, p + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD_BYTES) {
        return this.fail(p, `block of type ${hex32(type)} claims length ${len}`);
      }
      if (end - p < len) {
        this.need = len;
        return p;
      }
      if (this.u32(b, p + len - 4) !== len) {
        return this.fail(p, `block of type ${hex32(type)}: trailing length does not match ${len}`);
      }
      if (type === PCAPNG_SHB) this.interfaces = [];
      else if (type === BLOCK_IDB) this.interfaceBlock(b, p, len);
      else if (type === BLOCK_EPB) {
        if (!this.packetBlock(b, p, len, 28, this.u32(b, p + 8), p + 12)) return p;
      } else if (type === BLOCK_OBSOLETE_PACKET) {
        if (!this.packetBlock(b, p, len, 28, this.u16(b, p + 8), p + 12)) return p;
      } else if (type === BLOCK_SPB) {
        if (!this.simplePacketBlock(b, p, len)) return p;
      }
      p += len;
    }
    return p;
  }

  private fail(p: number, what: string): number {
    this.damage = `${what} at byte ${this.offsetOf(p)}: the file is corrupt from there on`;
    return p;
  }

  private interfaceBlock(b: Uint8Array, p: number, len: number): void {
    const iface: NgInterface = {
      linkType: this.u16(b, p + 8),
      snaplen: this.u32(b, p + 12),
      unitsPerSecond: 1e6,
      offsetSeconds: 0,
    };
    let o = p + 16;
    const end = p + len - 4;
    while (o + 4 <= end) {
      const code = this.u16(b, o);
      const olen = this.u16(b, o + 2);
      if (code === OPT_END || o + 4 + olen > end) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const v = b[o + 4];
        iface.unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const hi = this.u32(b, o + (this.le ? 8 : 4));
        const lo = this.u32(b, o + (this.le ? 4 : 8));
        iface.offsetSeconds = (hi | 0) * 4294967296 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.interfaces.push(iface);
  }

  /** Enhanced (and obsolete) Packet Block: interface, 64-bit time, lengths, data. */
  private packetBlock(b: Uint8Array, p: number, len: number, dataAt: number, ifId: number, tsAt: number): boolean {
    const iface = this.interfaces[ifId];
    if (!iface) {
      this.fail(p, `packet for interface ${ifId}, which no Interface Description Block declared`);
      return false;
    }
    const caplen = this.u32(b, tsAt + 8);
    const wirelen = this.u32(b, tsAt + 12);
    if (dataAt + caplen + 4 > len) {
      this.fail(p, `packet block claims ${caplen} captured bytes in a ${len}-byte block`);
      return false;
    }
    this.setTime(this.u32(b, tsAt), this.u32(b, tsAt + 4), iface);
    this.emit(b, p + dataAt, caplen, wirelen, iface.linkType, ifId);
    return true;
  }

  private simplePacketBlock(b: Uint8Array, p: number, len: number): boolean {
    const iface = this.interfaces[0];
    if (!iface) {
      this.fail(p, 'simple packet block before any Interface Description Block');
      return false;
    }
    const wirelen = this.u32(b, p + 8);
    const room = len - 16;
    let caplen = wirelen < room ? wirelen : room;
    if (iface.snaplen > 0 && caplen > iface.snaplen) caplen = iface.snaplen;
    this.emit(b, p + 12, caplen, wirelen, iface.linkType, 0);
    return true;
  }

  private emit(b: Uint8Array, at: number, caplen: number, wirelen: number, linkType: number, ifId: number): void {
    const view = this.view;
    view.setRaw(b, at, caplen, wirelen < caplen ? caplen : wirelen, linkType, this.lastSec, this.lastNsec);
    view.ifIndex = ifId;
    this.packets++;
    this.onPacket(view);
  }

  /**
   * 64-bit timestamp in interface units to seconds + nanoseconds, without
   * BigInt (it would allocate per packet): long division by 16-bit limbs keeps
   * every intermediate below 2^53 for integer resolutions up to nanoseconds.
   */
  private setTime(hi: number, lo: number, iface: NgInterface): void {
    const units = iface.unitsPerSecond;
    let sec: number;
    let nsec: number;
    if (units <= 1e9 && Number.isInteger(units)) {
      const qHi = Math.floor(hi / units);
      const rHi = hi - qHi * units;
      const t1 = rHi * 65536 + (lo >>> 16);
      const q1 = Math.floor(t1 / units);
      const t2 = (t1 - q1 * units) * 65536 + (lo & 0xffff);
      const q2 = Math.floor(t2 / units);
      sec = qHi * 4294967296 + q1 * 65536 + q2;
      nsec = Math.round(((t2 - q2 * units) * 1e9) / units);
    } else {
      // Sub-nanosecond resolutions: doubles are close enough for detection.
      const total = hi * 4294967296 + lo;
      sec = Math.floor(total / units);
      nsec = Math.round(((total - sec * units) * 1e9) / units);
    }
    if (nsec >= 1e9) {
      sec++;
      nsec -= 1e9;
    }
    this.lastSec = sec + iface.offsetSeconds;
    this.lastNsec = nsec;
  }
}
