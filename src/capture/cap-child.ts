/**
 * The `cap` engine, run in a child process (cap-child-main.ts) that streams
 * packet records to the sensor over a pipe.
 *
 * Why a process: cap's binding asserts that its poll callback never sees an
 * error (node_modules/cap/src/binding.cc:190, `assert(status == 0)`); libuv
 * reports POLLERR on the capture socket, which Linux raises when the interface
 * is deleted or set down, as status UV_EBADF, so the assertion aborts the
 * process (exit 134) and the sensor could flush nothing. Here only the child
 * dies; the sensor delivers what it already sent, says in one line what
 * happened to the interface, and ends like the native engine (run() rejects
 * with CAP_OPEN_FAILED). See native-notes/cap-child.md for the alternatives
 * and the measured cost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PacketView } from '../decode/packet-view.js';
import { SensorError } from '../errors.js';
import type { CapChildConfig } from './cap-child-main.js';
import { captureFailed, DISAPPEARED, interfaceState, WENT_DOWN } from './link-state.js';
import { RecordStream } from './record-stream.js';
import type { PacketHandler } from './source.js';

export type { CapChildConfig };

/** After stop(), a child that has not exited in this time is killed (it only has to die on SIGTERM). */
const KILL_AFTER_MS = 2000;
/**
 * Batches the capture process may hold for a sensor that fell behind, before it
 * drops packets (counted in capture.queue_dropped). PENG_TS_CAP_QUEUE_BYTES sets
 * it, for tests only (test/capture/cap-queue.test.ts drives the drop path with 64 KiB).
 */
export const DEFAULT_QUEUE_BYTES = 64 << 20;

/** The queue bound: PENG_TS_CAP_QUEUE_BYTES (tests), else DEFAULT_QUEUE_BYTES. */
export function queueBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.PENG_TS_CAP_QUEUE_BYTES);
  return Number.isInteger(n) && n >= 4096 && n <= DEFAULT_QUEUE_BYTES ? n : DEFAULT_QUEUE_BYTES;
}

/** Kept of the child's stderr, to explain an unexpected end. */
const STDERR_KEEP = 4096;

const CAP_LINK_TYPES: Record<string, number> = {
  NULL: 0,
  ETHERNET: 1,
  IEEE802_11_RADIO: 127,
  LINKTYPE_LINUX_SLL: 113,
  RAW: 101,
};

export const PERMISSION_HINT =
  'run as root, or `sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))`';

type ChildMessage = { t: 'open'; link: string } | { t: 'error'; text: string; code?: string } | { t: 'dropped'; n: number };

/** Node flags that made this process able to load our sources (tsx when running the .ts files). */
function loaderArgs(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (/^--(import|loader|experimental-loader|require)=/.test(a) || /^-r./.test(a)) out.push(a);
    else if (/^(--import|--loader|--experimental-loader|--require|-r)$/.test(a) && i + 1 < argv.length) out.push(a, argv[++i]);
  }
  return out;
}

function childScript(): string {
  const self = fileURLToPath(import.meta.url);
  return self.replace(/cap-child\.(ts|js)$/, 'cap-child-main.$1');
}

export class CapChild {
  /** Resolves with the link type once the child has the interface open; rejects with a SensorError. */
  readonly opened: Promise<number>;
  /** Packets handed to onPacket. */
  get delivered(): number {
    return this.records?.delivered ?? 0;
  }
  /** Packets the capture process dropped because the sensor was more than its queue (64 MiB) behind (capture.queue_dropped). */
  dropped = 0;

  private readonly child: ChildProcess;
  private records: RecordStream | null = null;
  private stderr = '';
  private stopping = false;
  private exited = false;
  private killTimer: NodeJS.Timeout | null = null;
  private endSignal: NodeJS.Signals | null = null;
  private readonly exit: Promise<void>;

  /** `warn` gets one line (no prefix, no newline) when the capture process starts dropping, and the total at the end. */
  constructor(
    private readonly cfg: CapChildConfig,
    private readonly warn: (line: string) => void,
  ) {
    this.child = spawn(process.execPath, [...loaderArgs(), childScript(), JSON.stringify(cfg)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-STDERR_KEEP);
    });
    this.child.stdout!.pause(); // packets wait in the pipe until run()
    this.exit = new Promise((resolve) => {
      this.child.on('close', (_code, signal) => {
        this.exited = true;
        this.endSignal = signal;
        if (this.killTimer) clearTimeout(this.killTimer);
        resolve();
      });
    });
    this.opened = new Promise<number>((resolve, reject) => {
      this.child.on('message', (m: ChildMessage) => {
        if (m.t === 'open') resolve(CAP_LINK_TYPES[m.link] ?? -1);
        else if (m.t === 'error') reject(capError(m.text, m.code, cfg));
        else if (m.t === 'dropped') {
          if (this.dropped === 0) {
            this.warn(`capture on ${cfg.device}: the sensor fell behind the cap capture process by its whole queue (${mib(cfg.queueBytes)}); packets are dropped until it catches up (capture.queue_dropped; the total is printed at the end)`);
          }
          this.dropped = m.n;
        }
      });
      this.child.once('error', (e) => reject(new SensorError('CAP_OPEN_FAILED', `cannot start the cap capture process: ${e.message}`)));
      this.exit.then(() => reject(this.endError('before the interface was open')));
    });
    this.opened.catch(() => undefined); // run() or the caller reports it; never an unhandled rejection
  }

  /**
   * Deliver packets until stop() (resolves) or the child ends (rejects with
   * CAP_OPEN_FAILED naming the interface). `view` is the source's one view.
   */
  run(view: PacketView, onPacket: PacketHandler, settle: (err?: unknown) => void): void {
    let settled = false;
    const done = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (this.dropped > 0) this.warn(`capture on ${this.cfg.device}: ${this.dropped} packets dropped by the cap capture process because the sensor fell behind`);
      settle(err);
    };
    this.opened.then(
      (link) => {
        if (!this.stopping) this.pump(view, link, onPacket, done);
      },
      (e) => done(this.stopping ? undefined : e),
    );
    this.exit.then(() => this.opened.then(() => done(this.stopping ? undefined : this.endError('')), () => undefined));
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.records) this.records.halted = true;
    if (this.exited) return;
    this.child.stdout!.destroy(); // nothing more is read; a child blocked writing gets EPIPE
    this.child.kill('SIGTERM');
    this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
    this.killTimer.unref();
  }

  private pump(view: PacketView, link: number, onPacket: PacketHandler, done: (err?: unknown) => void): void {
    const records = new RecordStream(view, link, onPacket);
    this.records = records;
    const out = this.child.stdout!;
    out.on('data', (chunk: Buffer) => {
      try {
        records.feed(chunk);
      } catch (e) {
        this.stop();
        done(e);
      }
    });
    out.resume();
  }

  /** Why the child ended without being asked to: what happened to the interface, in one line. */
  private endError(when: string): SensorError {
    const dev = this.cfg.device;
    const state = interfaceState(dev);
    // cap's "Warning: ... This may not actually work" (no IPv4 address for its filter netmask) explains nothing.
    const last = this.stderr.split('\n').filter((l) => l.trim() && !/may not actually work/.test(l)).pop() ?? '';
    const aborted = this.endSignal === 'SIGABRT';
    const what =
      state === 'gone' ? DISAPPEARED
      : state === 'down' ? WENT_DOWN
      : aborted ? 'the capture socket reported an error'
      : `the cap capture process ended${when ? ` ${when}` : ''}${last && !aborted ? ` (${last.slice(0, 200)})` : ''}`;
    // cap cannot report a socket error, it aborts: say so, so nobody looks for a crash of the sensor.
    const note = aborted ? " (cap aborts on a socket error: its capture process ended, the sensor did not)" : '';
    return captureFailed(dev, what, note);
  }
}

function mib(bytes: number): string {
  return bytes >= 1 << 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;
}

/** cap throws plain Errors carrying libpcap's text: classify by that text. */
export function capError(text: string, code: string | undefined, o: CapChildConfig): SensorError {
  if (code === 'CAP_PRIVDROP' || code === 'CAP_NATIVE_MISSING') return new SensorError(code, text);
  if (/no such device/i.test(text)) {
    return new SensorError('CAP_NO_DEVICE', `no capture device named "${o.device}" (${text}); \`ip link\` lists the interfaces`);
  }
  if (/permission|not permitted/i.test(text)) {
    return new SensorError('CAP_PERMISSION', `no permission to capture on "${o.device}" (${text}): ${PERMISSION_HINT}`);
  }
  if (o.filter && /syntax|parse|filter|illegal|unknown|expression/i.test(text)) {
    return new SensorError('CAP_FILTER', `bad capture filter "${o.filter}": ${text}`);
  }
  return new SensorError('CAP_OPEN_FAILED', `cannot open "${o.device}" for capture: ${text}`);
}
