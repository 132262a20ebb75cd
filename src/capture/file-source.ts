import { open } from 'node:fs/promises';
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
  private stopped = false;
  private readonly view = new PacketView();
  private win: ByteWindow | null = null;
  /** Size of the file being replayed (0 for standard input or before it opens). */
  size = 0;

  /** Bytes of the capture consumed so far (for progress). */
  get position(): number {
    return this.win === null ? 0 : this.win.offsetOf(this.win.start);
  }

  constructor(readonly path: string) {}

  get description(): string {
    return this.path === '-' ? 'standard input' : this.path;
  }

  async run(onPacket: PacketHandler): Promise<void> {
    const file = this.path === '-' ? null : await this.openFile();
    const win = new ByteWindow(file, file ? null : process.stdin);
    this.win = win;
    if (file) this.size = (await file.stat()).size;
    try {
      if (!(await win.fill(4))) {
        throw new SensorError('PCAP_TRUNCATED', `${this.description}: empty or shorter than a capture file header`);
      }
      const b = win.buf;
      const magic = u32(b, 0);
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
        if (!(await win.fill(parser.need))) break;
      }
      if (parser.damage) this.damage = `${this.description}: ${parser.damage}`;
      else if (!parser.stopRequested && win.available > 0) {
        this.damage =
          `${this.description}: ends inside a record (${win.available} bytes at byte ${win.offsetOf(win.start)} ` +
          `of a ${parser.need}-byte record): the capture was cut short`;
      }
    } finally {
      await file?.close();
    }
  }

  private async openFile() {
    try {
      return await open(this.path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
      throw new SensorError('FILE_OPEN', `cannot read capture file ${this.path}: ${why}`);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.parser) this.parser.stopRequested = true;
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
