import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * A growable read window over a file or a stream. Parsers work synchronously
 * on [start, end) and only come back here when a record is cut by the window's
 * edge, so there is one await per chunk, not per packet; packets are decoded
 * straight out of `buf`, never copied.
 *
 * Files are read ahead into two buffers taking turns: while the parser works
 * on one chunk (2 MiB), the next is read into the other (libuv's thread pool),
 * so the disk or page-cache copy overlaps parsing instead of stalling it (a
 * fifth of a realistic replay's wall time was spent waiting, issue 9). Each
 * buffer keeps HEAD bytes in front of its chunk: the record cut by a chunk's
 * edge is copied there, in front of the next chunk, and only that tail is
 * ever copied. A stream keeps one buffer whose unread tail moves to the front
 * before each read.
 */
/** File read size: 2 MiB read ahead stays in cache until parsed (8 MiB cost more CPU, min of 3-4 runs each: NOTES.md). */
const FILE_CHUNK = 2 << 20;
/** Room in front of each file chunk for the record cut by the previous chunk's edge. */
const HEAD = 256 << 10;

export class ByteWindow {
  buf: Uint8Array;
  start = 0;
  end = 0;
  /** Absolute file offset of buf[0], for messages about damage. */
  base = 0;
  eof = false;
  private readonly chunk: number;
  /** File mode: the buffer being read into, the read in flight and its file offset. */
  private spare: Uint8Array | null = null;
  private pending: Promise<number> | null = null;
  private pendingPos = 0;
  private filePos = 0;
  private readError: unknown = null;
  private streamIter: AsyncIterator<Buffer> | null = null;
  private leftover: Uint8Array | null = null;
  private readonly stream: Readable | null;
  /** Resolves when abort() is called: a read waiting on an idle pipe gives up then. */
  private aborted: Promise<null>;
  private wake: (v: null) => void = () => {};

  constructor(
    private readonly file: FileHandle | null,
    stream: Readable | null,
    chunkSize = file ? FILE_CHUNK : 4 << 20,
  ) {
    this.chunk = chunkSize;
    if (file) {
      this.buf = new Uint8Array(HEAD + chunkSize);
      this.spare = new Uint8Array(HEAD + chunkSize);
      this.start = this.end = HEAD;
      this.base = -HEAD;
    } else this.buf = new Uint8Array(chunkSize * 2);
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
    if (this.file) {
      while (this.available < need && !this.eof) await this.fillFile();
      return this.available >= need;
    }
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

  /** Wait for the read in flight (call before closing the file). */
  async settle(): Promise<void> {
    if (this.pending) await this.pending;
    this.pending = null;
  }

  /** Read the next chunk into the spare buffer at HEAD, in the background. */
  private startRead(): void {
    const into = this.spare!;
    this.pendingPos = this.filePos;
    this.pending = this.file!.read(into, HEAD, this.chunk, null).then(
      (r) => {
        this.filePos += r.bytesRead;
        return r.bytesRead;
      },
      (e: unknown) => {
        this.readError = e;
        return 0;
      },
    );
  }

  /** Take the chunk read ahead, put the unread tail in front of it, start reading the next. */
  private async fillFile(): Promise<void> {
    if (this.pending === null) this.startRead();
    const n = await this.pending!;
    this.pending = null;
    if (this.readError !== null) {
      const e = this.readError;
      this.readError = null;
      throw e;
    }
    if (this.eof) return; // aborted while reading
    if (n === 0) {
      this.eof = true;
      return;
    }
    const live = this.available;
    const got = this.spare!;
    const old = this.buf;
    if (live <= HEAD) {
      got.set(old.subarray(this.start, this.end), HEAD - live);
      this.buf = got;
      this.spare = old;
      this.start = HEAD - live;
    } else {
      // One record longer than HEAD (rare: pcap's own limit is 256 KiB): one buffer big enough for it.
      const bigger = new Uint8Array(Math.max(old.length, live + n + this.chunk));
      bigger.set(old.subarray(this.start, this.end), 0);
      bigger.set(got.subarray(HEAD, HEAD + n), live);
      this.buf = bigger;
      this.start = 0;
      // got stays the spare; so does a grown buffer once it is swapped out.
      this.end = live + n;
      this.base = this.pendingPos - live;
      this.startRead();
      return;
    }
    this.end = HEAD + n;
    this.base = this.pendingPos - HEAD;
    this.startRead();
  }

  private async readInto(at: number, room: number): Promise<number> {
    let src = this.leftover;
    if (!src) {
      const next = await Promise.race([this.streamIter!.next(), this.aborted]);
      if (next === null || next.done) return 0;
      src = next.value;
    }
    const n = Math.min(room, src.length);
    this.buf.set(src.subarray(0, n), at);
    this.leftover = n < src.length ? src.subarray(n) : null;
    return n;
  }
}
