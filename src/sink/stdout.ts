/**
 * Standard output shared by every sink that writes there (the console, and
 * `--alerts -` / `--alerts-csv -`), with one error handler for all of them.
 *
 * EPIPE (the reader left: `peng-ts ... | head -1`) is not a failure: as
 * tcpdump does on SIGPIPE, we stop writing there and the run ends cleanly
 * (main stops the sensor when nothing else is written, so the other outputs
 * are flushed). Any other error (ENOSPC with stdout redirected to a full disk)
 * is a failed output: one line, and a non-zero exit.
 */
export class StdoutOutput {
  /** The reader closed the pipe: nothing more is written, and that is fine. */
  closed = false;
  /** One line saying why standard output failed, or null. */
  failure: string | null = null;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (e: NodeJS.ErrnoException) => this.fail(e));
  }

  get usable(): boolean {
    return !this.closed && this.failure === null;
  }

  /** Called once when standard output closes or fails. */
  onGone(f: () => void): void {
    this.listeners.push(f);
  }

  /** `written` runs once the text is really out (never when the write fails). */
  write(text: string, written?: () => void): void {
    if (!this.usable) return;
    this.stream.write(text, (err?: Error | null) => {
      if (err) this.fail(err as NodeJS.ErrnoException);
      else written?.();
    });
  }

  private fail(e: NodeJS.ErrnoException): void {
    if (!this.usable) return;
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') this.closed = true;
    else this.failure = `standard output: ${e.message}`;
    for (const f of this.listeners) f();
  }
}

let shared: StdoutOutput | null = null;

/** The process's standard output, guarded (made on first use). */
export function stdoutOutput(): StdoutOutput {
  shared ??= new StdoutOutput(process.stdout);
  return shared;
}
