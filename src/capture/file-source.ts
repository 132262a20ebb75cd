import { open, type FileHandle } from 'node:fs/promises';
import { u32 } from '../decode/bytes.js';
import { PacketView } from '../decode/packet-view.js';
import { SensorError } from '../errors.js';
import { ByteWindow } from './byte-window.js';
import { isPcapMagic, PcapParser } from './pcap.js';
import { PCAPNG_SHB, PcapngParser } from './pcapng.js';
import { hex32, type RecordParser } from './record-parser.js';
import type { CaptureSource, CaptureStats, PacketHandler } from './source.js';

/**
 * Replays a capture file, or standard input with path `-`
 * (`tcpdump -w - | peng-ts -r -`). The format is chosen from the first four
 * bytes: classic pcap in either byte order and time scale, or pcapng.
 */
export class FileSource implements CaptureSource {
  readonly live = false;
  damage: string | null = null;
  format = '';
  private parser: RecordParser | null = null;
  private handle: FileHandle | null = null;
  private window: ByteWindow | null = null;
  private stopped = false;
  private readonly view = new PacketView();
  /** Size of the file being replayed (0 for standard input or before it opens). */
  size = 0;

  /** Bytes of the capture consumed so far (for progress). */
  get position(): number {
    return this.window === null ? 0 : this.window.offsetOf(this.window.start);
  }

  constructor(readonly path: string) {}

  get description(): string {
    return this.path === '-' ? 'standard input' : this.path;
  }

  /**
   * Open the file now (run() does it otherwise): a missing file, a directory or
   * no permission is then one line at start, before any output file exists.
   */
  async open(): Promise<void> {
    if (this.path !== '-' && !this.handle) this.handle = await this.openFile();
  }

  async run(onPacket: PacketHandler): Promise<void> {
    await this.open();
    const file = this.handle;
    const win = new ByteWindow(file, file ? null : process.stdin);
    this.window = win;
    if (this.stopped) win.abort();
    if (file) this.size = (await file.stat()).size;
    const fill = async (need: number): Promise<boolean> => {
      try {
        return await win.fill(need);
      } catch (e) {
        // A read error (EIO on a failing disk, a reset stream): one line; what was read is kept.
        throw new SensorError('FILE_READ', `cannot read capture file ${this.description}: ${ioReason(e)}`);
      }
    };
    try {
      if (!(await fill(4))) {
        if (this.stopped) return; // a signal before the first bytes: nothing to read, nothing wrong
        throw new SensorError('PCAP_TRUNCATED', `${this.description}: empty or shorter than a capture file header`);
      }
      const b = win.buf;
      const magic = u32(b, win.start);
      const offsetOf = (i: number) => win.offsetOf(i);
      let parser: RecordParser;
      if (isPcapMagic(magic)) parser = new PcapParser(this.view, onPacket, offsetOf);
      else if (magic === PCAPNG_SHB) parser = new PcapngParser(this.view, onPacket, offsetOf);
      else {
        throw new SensorError(
          'PCAP_BAD_MAGIC',
          `${this.description}: not a pcap or pcapng file (starts with ${hex32(magic)}); ` +
            `write captures with tcpdump -w or convert with editcap -F pcap`,
        );
      }
      this.parser = parser;
      this.format = parser.format;
      if (this.stopped) parser.stopRequested = true;
      for (;;) {
        win.start = parser.parse(win.buf, win.start, win.end);
        if (parser.damage || parser.stopRequested) break;
        if (!(await fill(parser.need))) break;
      }
      if (parser.damage) this.damage = `${this.description}: ${parser.damage}`;
      else if (!parser.stopRequested && win.available > 0) {
        this.damage =
          `${this.description}: ends inside a record (${win.available} bytes at byte ${win.offsetOf(win.start)} ` +
          `of a ${parser.need}-byte record): the capture was cut short`;
      }
    } finally {
      await win.settle();
      await file?.close();
    }
  }

  private async openFile() {
    let fh;
    try {
      fh = await open(this.path, 'r');
      // open(2) succeeds on a directory; the first read would fail with EISDIR.
      if ((await fh.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      return fh;
    } catch (e) {
      await fh?.close();
      throw new SensorError('FILE_OPEN', `cannot read capture file ${this.path}: ${ioReason(e)}; give a pcap or pcapng file, or - for standard input`);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.parser) this.parser.stopRequested = true;
    this.window?.abort();
  }

  stats(): CaptureStats {
    return {
      delivered: this.parser?.packets ?? 0,
      kernelReceived: null,
      kernelDropped: null,
      interfaceDropped: null,
    };
  }
}

/** An errno as a few words (the message Node gives for the rest). */
function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (e as Error)?.message ?? String(e);
}
