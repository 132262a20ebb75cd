import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * A growable read window over a file or a stream. Parsers work synchronously
 * on [start, end) and only come back here when a record is cut by the window's
 * edge, so there is one await per chunk (4 MiB), not per packet. The unread
 * tail is moved to the front before each read; packets are decoded straight out
 * of `buf`, never copied.
 */
export class ByteWindow {
  buf: Uint8Array;
  start = 0;
  end = 0;
  /** Absolute file offset of buf[0], for messages about damage. */
  base = 0;
  eof = false;
  private readonly chunk: number;
  private streamIter: AsyncIterator<Buffer> | null = null;
  private pending: Uint8Array | null = null;
  private readonly stream: Readable | null;
  /** Resolves when abort() is called: a read waiting on an idle pipe gives up then. */
  private aborted: Promise<null>;
  private wake: (v: null) => void = () => {};

  constructor(
    private readonly file: FileHandle | null,
    stream: Readable | null,
    chunkSize = 4 << 20,
  ) {
    this.chunk = chunkSize;
    this.buf = new Uint8Array(chunkSize * 2);
    this.stream = stream;
    if (stream) this.streamIter = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.aborted = new Promise((resolve) => (this.wake = resolve));
  }

  /**
   * Stop reading: a read pending on a stream (an idle `-r -` pipe whose writer
   * keeps it open) ends at once as end of input, and the stream is released so
   * the process can exit. File reads complete on their own (no wait on a writer).
   */
  abort(): void {
    if (this.eof) return;
    this.eof = true;
    this.wake(null);
    this.stream?.destroy();
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Absolute offset of buf[i]. */
  offsetOf(i: number): number {
    return this.base + i;
  }

  /**
   * Read until at least `need` bytes are available from `start`.
   * Returns false at end of input with fewer bytes than asked for.
   */
  async fill(need: number): Promise<boolean> {
    while (this.available < need && !this.eof) {
      this.compact(need);
      const n = await this.readInto(this.end, this.buf.length - this.end);
      if (this.eof) break; // aborted while reading
      if (n === 0) this.eof = true;
      else this.end += n;
    }
    return this.available >= need;
  }

  /** Move unread bytes to the front; grow when one record is larger than the window. */
  private compact(need: number): void {
    const live = this.available;
    const wanted = Math.max(need, live + this.chunk);
    if (wanted > this.buf.length) {
      const bigger = new Uint8Array(Math.max(wanted, this.buf.length * 2));
      bigger.set(this.buf.subarray(this.start, this.end));
      this.buf = bigger;
    } else if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.base += this.start;
    this.start = 0;
    this.end = live;
  }

  private async readInto(at: number, room: number): Promise<number> {
    if (this.file) {
      const { bytesRead } = await this.file.read(this.buf, at, room, null);
      return bytesRead;
    }
    let src = this.pending;
    if (!src) {
      const next = await Promise.race([this.streamIter!.next(), this.aborted]);
      if (next === null || next.done) return 0;
      src = next.value;
    }
    const n = Math.min(room, src.length);
    this.buf.set(src.subarray(0, n), at);
    this.pending = n < src.length ? src.subarray(n) : null;
    return n;
  }
}
