/**
 * Packet records arriving as a byte stream (the cap engine's capture process
 * writes them to a pipe, cap-child-main.ts): the native addon's layout, u32
 * ts_sec, u32 ts_nsec, u32 caplen, u32 wirelen (native byte order), then the
 * bytes padded to 4. A chunk from the pipe may end anywhere, mid-header or
 * mid-packet: chunks are copied into one 4-aligned buffer, every whole record
 * is handed to onPacket through the one view, and the rest waits for the next.
 */
import type { PacketView } from '../decode/packet-view.js';
import type { PacketHandler } from './source.js';

const REC_HDR = 16;

export class RecordStream {
  /** Packets handed to onPacket. */
  delivered = 0;
  /** Set to stop delivering at once (also from inside onPacket); later chunks are ignored. */
  halted = false;

  private bytes: Uint8Array;
  private words: Uint32Array;
  private fill = 0;

  constructor(
    private readonly view: PacketView,
    private readonly linkType: number,
    private readonly onPacket: PacketHandler,
    initialBytes = 1 << 21,
  ) {
    const ab = new ArrayBuffer(initialBytes - (initialBytes % 4));
    this.bytes = new Uint8Array(ab);
    this.words = new Uint32Array(ab);
  }

  /** Bytes of a partial record waiting for the next chunk. */
  get pending(): number {
    return this.fill;
  }

  /** Append one chunk and deliver the whole records; throws what onPacket throws. */
  feed(chunk: Uint8Array): void {
    if (this.halted) return;
    let fill = this.fill;
    if (fill + chunk.length > this.bytes.length) {
      // Once, for records larger than the buffer (a snap length above 1 MiB) or a huge chunk.
      const ab = new ArrayBuffer(2 * (fill + chunk.length + 3) & ~3);
      new Uint8Array(ab).set(this.bytes.subarray(0, fill));
      this.bytes = new Uint8Array(ab);
      this.words = new Uint32Array(ab);
    }
    const bytes = this.bytes;
    const words = this.words;
    bytes.set(chunk, fill);
    fill += chunk.length;
    let off = 0;
    try {
      while (off + REC_HDR <= fill && !this.halted) {
        const w = off >>> 2;
        const caplen = words[w + 2];
        const rec = REC_HDR + ((caplen + 3) & ~3);
        if (off + rec > fill) break;
        this.view.setRaw(bytes, off + REC_HDR, caplen, words[w + 3], this.linkType, words[w], words[w + 1]);
        off += rec; // consumed even if onPacket throws
        this.delivered++;
        this.onPacket(this.view);
      }
    } finally {
      // What is left (less than one record) moves to the front: record starts stay 4-aligned.
      if (off > 0) bytes.copyWithin(0, off, fill);
      this.fill = fill - off;
    }
  }
}
