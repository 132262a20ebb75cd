import { open, type FileHandle } from 'node:fs/promises';
import { SensorError } from '../errors.js';
import { stdoutOutput, type StdoutOutput } from './stdout.js';

interface Pending {
  bytes: Buffer;
  written?: () => void;
}

/**
 * A text output opened once: a file (appended, mode 0644) or standard output
 * for `-`. Records (a CSV row, a JSON line) are queued and written in batches
 * by one writer that knows how many bytes each write really took, so:
 * - `write(text, written)` calls `written` only once the whole record is in
 *   the file: counters say what was written, not what was queued;
 * - on a write error (ENOSPC, EIO, EFBIG...) mid-batch, the records the disk
 *   took whole are counted and the file is cut back to the end of the last
 *   of them (the disk may have taken half a row);
 * - the output then says so once through `warn` and stops; the sensor goes on
 *   and exits non-zero (`failure`).
 */
export class TextOutput {
  /** One line saying why this output failed, or null. */
  failure: string | null = null;
  /** Bytes in the file before we opened it, as the caller saw it (0 for a new file or stdout). */
  readonly startSize: number;
  private readonly stdout: StdoutOutput | null;
  private opened: Promise<FileHandle | null>;
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  /** open() is waiting: it reports a failure itself (as an error), so no warning. */
  private opening = false;
  private closed = false;
  private reopening = false;

  constructor(
    readonly path: string,
    readonly option: string,
    private readonly warn: (line: string) => void,
    startSize = 0,
  ) {
    this.startSize = startSize;
    if (path === '-') {
      this.stdout = stdoutOutput();
      this.opened = Promise.resolve(null);
      return;
    }
    this.stdout = null;
    this.opened = this.openFile();
  }

  private openFile(): Promise<FileHandle | null> {
    return open(this.path, 'a', 0o644)
      .then(async (fh) => {
        // A directory opens for append on some systems; writes would fail with EISDIR.
        if ((await fh.stat()).isDirectory()) {
          await fh.close();
          throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
        }
        return fh;
      })
      .catch((e: unknown) => {
        this.fail(e);
        return null;
      });
  }

  /**
   * SIGHUP (logrotate moved the file away): records from now on go to a new
   * file at the same path; those queued before go to the old one, so none is
   * lost or written twice. Also the operator's retry after a failure.
   */
  async reopen(): Promise<void> {
    if (this.stdout || this.closed) return;
    this.reopening = true; // records written meanwhile wait for the new file
    while (this.writing) await this.writing;
    const old = await this.opened;
    this.failure = null;
    this.opened = this.openFile();
    this.reopening = false;
    await old?.close().catch(() => undefined);
    if (this.queue.length > 0) this.writing ??= this.drain();
    await this.opened;
  }

  get toStdout(): boolean {
    return this.stdout !== null;
  }

  get ok(): boolean {
    return this.failure === null && (this.stdout?.usable ?? true);
  }

  /** Wait until the file is open: a bad path is then one line at start (SINK_OPEN). */
  async open(): Promise<void> {
    this.opening = true;
    await this.opened;
    this.opening = false;
    if (this.failure) throw new SensorError('SINK_OPEN', this.failure);
  }

  write(text: string, written?: () => void): void {
    if (!this.ok || this.closed) return;
    if (this.stdout) return this.stdout.write(text, written);
    this.queue.push({ bytes: Buffer.from(text), written });
    if (!this.reopening) this.writing ??= this.drain();
  }

  /** Resolves once what was written so far is in the file (or has failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    const fh = await this.opened;
    await fh?.close().catch(() => undefined);
  }

  /** One writer at a time: everything queued goes out as one write (per frame, not per packet). */
  private async drain(): Promise<void> {
    const fh = await this.opened;
    while (fh && this.queue.length > 0 && this.failure === null) {
      const batch = this.queue;
      this.queue = [];
      const buf = batch.length === 1 ? batch[0].bytes : Buffer.concat(batch.map((p) => p.bytes));
      let done = 0;
      try {
        // write(2) may take part of a buffer (a disk nearly full): go on from there.
        while (done < buf.length) done += (await fh.write(buf, done, buf.length - done)).bytesWritten;
      } catch (e) {
        await this.cutBack(fh, batch, done);
        this.fail(e);
      }
      let at = 0;
      for (const p of batch) {
        at += p.bytes.length;
        if (at > done) break;
        p.written?.();
      }
    }
    this.queue = [];
    this.writing = null;
  }

  /** `done` bytes of `batch` reached the file: drop a record it took only part of. */
  private async cutBack(fh: FileHandle, batch: Pending[], done: number): Promise<void> {
    let whole = 0;
    for (const p of batch) {
      if (whole + p.bytes.length > done) break;
      whole += p.bytes.length;
    }
    if (whole === done) return;
    try {
      const size = (await fh.stat()).size;
      if (size >= done - whole) await fh.truncate(size - (done - whole));
    } catch {
      // Not a regular file (/dev/full): nothing to cut.
    }
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    this.failure = `${this.option} ${this.path}: ${writeReason(e)}`;
    if (!this.opening) this.warn(`${this.failure}; this output stopped, the others go on (exit status will be 1)`);
  }
}

/** An errno as a few words, for a file we write (Node's message for the rest). */
export function writeReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOSPC':
      return 'no space left on device';
    case 'ENOENT':
      return 'no such directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EFBIG':
      return 'file too large';
    default:
      return err?.message ?? String(e);
  }
}
