import { createWriteStream, fstatSync, type WriteStream } from 'node:fs';
import { truncate } from 'node:fs/promises';
import { SensorError } from '../errors.js';
import { stdoutOutput, type StdoutOutput } from './stdout.js';

/**
 * A text output opened once: a file (appended, mode 0644) or standard output
 * for `-`. Counting is by what the system accepted, not what was queued:
 * `write(text, written)` calls `written` only once the bytes are in the file.
 * On a write error (ENOSPC, EIO, EFBIG...) the output says so once through
 * `warn`, stops, and cuts the file back to the last whole record it wrote
 * (a partial write leaves half a row otherwise); the sensor goes on and exits
 * non-zero (`failure`).
 */
export class TextOutput {
  /** One line saying why this output failed, or null. */
  failure: string | null = null;
  /** Bytes written before we opened it, as the caller saw it (0 for a new file or stdout). */
  readonly startSize: number;
  private readonly file: WriteStream | null;
  private readonly stdout: StdoutOutput | null;
  /** File size when opened, and bytes the system accepted since: where to cut back to. */
  private baseSize = -1;
  private confirmed = 0;
  private repair: Promise<unknown> = Promise.resolve();
  /** open() is waiting: it reports a failure itself (as an error), so no warning. */
  private opening = false;

  constructor(
    readonly path: string,
    readonly option: string,
    private readonly warn: (line: string) => void,
    startSize = 0,
  ) {
    this.startSize = startSize;
    if (path === '-') {
      this.file = null;
      this.stdout = stdoutOutput();
      return;
    }
    this.stdout = null;
    this.file = createWriteStream(path, { flags: 'a', mode: 0o644 });
    // 'open' comes before any queued write is done: the size then is where our bytes start.
    this.file.once('open', (fd: number) => {
      try {
        this.baseSize = fstatSync(fd).size;
      } catch {
        this.baseSize = -1;
      }
    });
    this.file.on('error', (e) => this.fail(e));
  }

  get toStdout(): boolean {
    return this.stdout !== null;
  }

  get ok(): boolean {
    return this.failure === null && (this.stdout?.usable ?? true);
  }

  /** Wait until the file is open: a bad path is then one line at start (SINK_OPEN). */
  async open(): Promise<void> {
    const f = this.file;
    if (f?.pending && !this.failure) {
      this.opening = true;
      await new Promise<void>((resolve) => {
        const done = () => {
          f.off('ready', done);
          f.off('error', done);
          resolve();
        };
        f.once('ready', done);
        f.once('error', done);
      });
      this.opening = false;
    }
    if (this.failure) throw new SensorError('SINK_OPEN', this.failure);
  }

  write(text: string, written?: () => void): void {
    if (!this.ok) return;
    if (this.stdout) return this.stdout.write(text, written);
    const bytes = Buffer.byteLength(text);
    this.file!.write(text, (err) => {
      if (err) return this.fail(err);
      this.confirmed += bytes;
      written?.();
    });
  }

  /** Resolves once what was written so far is in the file (or has failed). */
  async flush(): Promise<void> {
    const f = this.file;
    if (!f || !this.ok || f.destroyed) return;
    await new Promise<void>((resolve) => f.write('', () => resolve()));
  }

  async close(): Promise<void> {
    const f = this.file;
    if (f && !f.destroyed) await new Promise<void>((resolve) => f.end(() => resolve()));
    await this.repair;
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = `${this.option} ${this.path}: ${writeReason(e)}`;
    if (!this.opening) this.warn(`${this.failure}; this output stopped, the others go on (exit status will be 1)`);
    if (this.baseSize >= 0) {
      // Drop a record the disk took only part of: the file ends on a whole row.
      const keep = this.baseSize + this.confirmed;
      this.repair = truncate(this.path, keep).catch(() => undefined);
    }
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
