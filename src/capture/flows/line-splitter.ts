/**
 * Newline-delimited records out of a byte stream, split on the 0x0A byte
 * before any text decoding: a UTF-8 character cut across two reads is joined
 * again before it is decoded (0x0A never occurs inside a multi-byte UTF-8
 * sequence). A line longer than `maxLine` bytes is dropped as it streams in:
 * at most `maxLine` bytes of it are ever held, the rest is skipped up to the
 * next newline.
 */
export type LineHandler = (buf: Buffer, start: number, end: number) => void;

export class LineSplitter {
  private readonly parts: Buffer[] = [];
  private held = 0;
  private discarding = false;
  /** Lines dropped for their size. */
  oversize = 0;

  constructor(private readonly maxLine: number) {}

  /** Bytes of an unfinished line held now. */
  get pending(): number {
    return this.held;
  }

  /** Whether the unfinished line is being skipped (too long). */
  get skipping(): boolean {
    return this.discarding;
  }

  push(chunk: Buffer, onLine: LineHandler): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        this.keep(chunk, pos, len);
        return;
      }
      if (this.discarding) {
        this.discarding = false;
      } else if (this.held + (nl - pos) > this.maxLine) {
        this.drop();
      } else if (this.held === 0) {
        onLine(chunk, pos, stripCr(chunk, pos, nl));
      } else {
        this.parts.push(chunk.subarray(pos, nl));
        const whole = Buffer.concat(this.parts, this.held + (nl - pos));
        this.parts.length = 0;
        this.held = 0;
        onLine(whole, 0, stripCr(whole, 0, whole.length));
      }
      pos = nl + 1;
    }
  }

  /**
   * The stream ended: the unfinished line, if any, as it is (the caller
   * decides whether a line cut by a disconnect is usable). Returns false when
   * there was none.
   */
  end(onLine: LineHandler): boolean {
    // A line being skipped was already counted as oversize.
    this.discarding = false;
    if (this.held === 0) return false;
    const whole = Buffer.concat(this.parts, this.held);
    this.parts.length = 0;
    this.held = 0;
    onLine(whole, 0, stripCr(whole, 0, whole.length));
    return true;
  }

  private keep(chunk: Buffer, pos: number, len: number): void {
    if (this.discarding) return;
    const n = len - pos;
    if (this.held + n > this.maxLine) {
      this.drop();
      this.discarding = true;
      return;
    }
    // A copy: a tail must not pin the whole (up to 64 KiB) read buffer.
    this.parts.push(Buffer.from(chunk.subarray(pos, len)));
    this.held += n;
  }

  private drop(): void {
    this.oversize++;
    this.parts.length = 0;
    this.held = 0;
  }
}

function stripCr(buf: Buffer, start: number, end: number): number {
  return end > start && buf[end - 1] === 13 ? end - 1 : end;
}
