/**
 * Live capture from a network interface.
 *
 * Two engines: our own libpcap addon (src/capture/native, the default) which
 * delivers packets in batches with kernel timestamps and pcap_stats counters,
 * and the npm package `cap` as a fallback when the addon was not built (wall
 * clock timestamps at delivery, no kernel counters). See native-notes/.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PacketView } from '../decode/packet-view.js';
import { paramOf } from '../config/params.js';
import { SensorError, type SensorErrorCode } from '../errors.js';
import { captureParams } from './params.js';
import { CapChild, PERMISSION_HINT, queueBytes } from './cap-child.js';
import { captureFailed } from './link-state.js';
import { dropPrivileges } from './privileges.js';
import type { CaptureSource, CaptureStats, PacketHandler } from './source.js';

export interface LiveOptions {
  device: string;
  /** BPF filter, as tcpdump takes it. */
  filter?: string;
  /** Bytes kept per packet (default: --snaplen's). */
  snaplen?: number;
  /** Kernel capture buffer in MiB (default: --buffer-size's). */
  bufferSizeMiB?: number;
  promiscuous?: boolean;
  /** Force an engine; by default the native addon, else `cap`. */
  engine?: 'native' | 'cap';
  /** Drop privileges to this user once the handle is open (like tcpdump -Z). */
  user?: string;
  /** Where one-line warnings go (the CLI's warn); stderr with the peng-ts prefix when not given. */
  warn?: (line: string) => void;
}

/** The capture params' own specs: their defaults and ranges are the only ones. */
const SNAPLEN = paramOf(captureParams, 'snaplen');
const BUFFER_SIZE = paramOf(captureParams, 'buffer-size');
const DEFAULT_SNAPLEN = SNAPLEN.default as number;
const DEFAULT_BUFFER_MIB = BUFFER_SIZE.default as number;
const stderrWarn = (line: string): void => void process.stderr.write(`peng-ts: ${line}\n`);

// ---- the native addon's shape (src/capture/native/pcap_binding.c) ----

export interface NativeAddress {
  addr: string | null;
  netmask: string | null;
  broadaddr: string | null;
  dstaddr: string | null;
}
export interface NativeDevice {
  name: string;
  description: string | null;
  addresses: NativeAddress[];
  loopback: boolean;
  up: boolean;
  running: boolean;
}
interface NativeHandle {
  read(buffer: ArrayBuffer, cb: (count: number, usedBytes: number, error: string | null) => void): void;
  stats(): { recv: number; drop: number; ifdrop: number } | null;
  close(): void;
  datalink(): number;
  info(): { precision: 'nano' | 'micro'; snaplen: number; warning: string | null };
}
export interface NativeAddon {
  PcapHandle: new (
    device: string,
    snaplen: number,
    promisc: boolean,
    bufferBytes: number,
    timeoutMs: number,
    filter: string | null,
  ) => NativeHandle;
  listDevices(): NativeDevice[];
  libVersion(): string;
  /** One datagram to an AF_UNIX SOCK_DGRAM socket (/dev/log); throws with the errno name as code. */
  unixDgramSend?(path: string, data: Buffer): number;
}

// ---- the `cap` package's shape (only what we use here; capture runs in cap-child.ts) ----

export interface CapModule {
  Cap: (new () => unknown) & {
    deviceList(): Array<{ name: string; description?: string; addresses: Array<Record<string, string>>; flags?: string }>;
  };
}

const require = createRequire(import.meta.url);
const ADDON_REL = 'capture/native/build/Release/peng_pcap.node';

/** The addon sits next to the sources; compiled JS lives in dist/src/, so look in both places. */
function addonCandidates(): string[] {
  return [
    fileURLToPath(new URL(`../${ADDON_REL}`, import.meta.url)), // src/capture/live.ts
    fileURLToPath(new URL(`../../../src/${ADDON_REL}`, import.meta.url)), // dist/src/capture/live.js
  ];
}

let nativeCache: NativeAddon | null | undefined;
let nativeError = '';

/** The native addon, or null when it is not built or does not load (see nativeLoadError()). */
export function loadNative(): NativeAddon | null {
  if (nativeCache !== undefined) return nativeCache;
  nativeCache = null;
  if (process.env.PENG_TS_NO_NATIVE === '1') {
    // Behave as on a machine where the addon was not built (tests of that case, and a way out of a bad build).
    nativeError = 'native capture addon disabled by PENG_TS_NO_NATIVE=1';
    return null;
  }
  const path = addonCandidates().find((p) => existsSync(p));
  if (!path) {
    nativeError =
      'native capture addon not built: install libpcap-dev g++ make python3 (Debian/Ubuntu), then run npm rebuild peng-ts (in a checkout: npx node-gyp rebuild --directory=src/capture/native)';
    return null;
  }
  try {
    nativeCache = require(path) as NativeAddon;
  } catch (e) {
    nativeError = `native capture addon at ${path} does not load: ${(e as Error).message.split('\n')[0]}`;
  }
  return nativeCache;
}

export function nativeLoadError(): string {
  return nativeError;
}

/** The `cap` package, or null when it is missing or its binary does not load. */
export function loadCap(): CapModule | null {
  try {
    return require('cap') as CapModule;
  } catch {
    return null;
  }
}

export { PERMISSION_HINT };

const INT32_MAX = 2 ** 31 - 1;
const REC_HDR = 16;
const DISPATCH_TIMEOUT_MS = 100;
const MIN_BATCH_BYTES = 2 << 20;

let capNoticeShown = false;

export class LiveSource implements CaptureSource {
  readonly description: string;
  readonly live = true;
  readonly damage: string | null = null;
  /** Engine in use once open() has run. */
  engine: 'native' | 'cap' | null = null;
  /** Link type (DLT/LINKTYPE number) once open. */
  linkType = -1;

  private readonly view = new PacketView();
  private native: NativeHandle | null = null;
  private capChild: CapChild | null = null;
  private delivered = 0;
  private stopping = false;
  private dropped = false;

  private readonly warn: (line: string) => void;

  constructor(private readonly opts: LiveOptions) {
    this.warn = opts.warn ?? stderrWarn;
    this.description = `live:${opts.device}${opts.filter ? ` (${opts.filter})` : ''}`;
  }

  /**
   * Open the interface. Privileges are dropped by dropPrivileges(), which the
   * CLI calls once the output files are open too (tcpdump -Z opens -w first);
   * run() drops them itself if nobody did.
   */
  open(): void {
    if (this.engine) return;
    checkOptions(this.opts);
    const want = this.opts.engine;
    const addon = want === 'cap' ? null : loadNative();
    if (addon) this.openNative(addon);
    else if (want === 'native') {
      throw new SensorError('CAP_NATIVE_MISSING', `${nativeLoadError()}; or capture with --capture-engine cap`);
    }
    else this.openCap(want === 'cap');
  }

  /** Become --user (once, after open()); a failed drop closes the capture. */
  dropPrivileges(): void {
    if (!this.opts.user || this.dropped) return;
    this.dropped = true;
    try {
      if (!dropPrivileges(this.opts.user)) {
        this.warn(`not running as root, so --user ${this.opts.user} changes nothing`);
      }
    } catch (e) {
      this.closeHandles(); // never keep capturing as root after a failed drop
      throw e;
    }
  }

  run(onPacket: PacketHandler): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        this.open();
        this.dropPrivileges();
      } catch (e) {
        reject(e);
        return;
      }
      let settled = false;
      const done = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        this.closeHandles();
        if (err === undefined) resolve();
        else reject(err);
      };
      if (this.stopping) return done();
      if (this.native) this.runNative(this.native, onPacket, done);
      else if (this.capChild) this.capChild.run(this.view, onPacket, done);
    });
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    // A native batch in flight is woken by close() and completes at once;
    // cap's capture process is ended, and run() settles when it has.
    if (this.native) this.native.close();
    else this.closeHandles();
  }

  /**
   * Resolves once the capture is really open: at once for the native engine
   * (open() is synchronous), when its capture process has the interface for
   * cap; rejects with the open error (CAP_NO_DEVICE, ...). run() waits for it too.
   */
  ready(): Promise<void> {
    if (!this.capChild) return Promise.resolve();
    return this.capChild.opened.then((link) => {
      this.linkType = link;
    });
  }

  stats(): CaptureStats {
    const k = this.native?.stats() ?? null;
    return {
      delivered: this.capChild ? this.capChild.delivered : this.delivered,
      kernelReceived: k ? k.recv : null,
      kernelDropped: k ? k.drop : null,
      interfaceDropped: k ? k.ifdrop : null,
      queueDropped: this.capChild ? this.capChild.dropped : null,
    };
  }

  /** Timestamp precision of the open handle: 'nano', 'micro', or 'wallclock' for cap. */
  precision(): 'nano' | 'micro' | 'wallclock' | null {
    if (this.native) return this.native.info().precision;
    return this.capChild ? 'wallclock' : null;
  }

  private openNative(addon: NativeAddon): void {
    const o = this.opts;
    try {
      this.native = new addon.PcapHandle(
        o.device,
        o.snaplen ?? DEFAULT_SNAPLEN,
        o.promiscuous ?? true,
        bufferBytes(o, this.warn),
        DISPATCH_TIMEOUT_MS,
        o.filter ?? null,
      );
    } catch (e) {
      throw toSensorError(e, o.device);
    }
    this.engine = 'native';
    this.linkType = this.native.datalink();
    const warning = this.native.info().warning;
    if (warning) this.warn(`capture on ${o.device}: ${warning}`);
  }

  private runNative(h: NativeHandle, onPacket: PacketHandler, done: (err?: unknown) => void): void {
    const snap = h.info().snaplen;
    const size = Math.max(MIN_BATCH_BYTES, 16 * (REC_HDR + snap + 3));
    const ab = new ArrayBuffer(size - (size % 4));
    // One byte view for PacketView, one word view for the record headers; both made once.
    const bytes = new Uint8Array(ab);
    const words = new Uint32Array(ab);
    const view = this.view;
    const link = this.linkType;
    const onBatch = (count: number, _used: number, error: string | null): void => {
      // The batch that completes because of stop() was captured before it: deliver it.
      // A stop() from inside onPacket ends this batch at once.
      const stoppedBefore = this.stopping;
      try {
        let off = 0;
        for (let i = 0; i < count && this.stopping === stoppedBefore; i++) {
          const w = off >>> 2;
          const caplen = words[w + 2];
          view.setRaw(bytes, off + REC_HDR, caplen, words[w + 3], link, words[w], words[w + 1]);
          this.delivered++;
          onPacket(view);
          off += REC_HDR + ((caplen + 3) & ~3);
        }
      } catch (e) {
        return done(e);
      }
      if (error !== null) {
        return done(captureFailed(this.opts.device, error));
      }
      if (this.stopping) return done();
      try {
        h.read(ab, onBatch);
      } catch (e) {
        done(e);
      }
    };
    h.read(ab, onBatch);
  }

  private openCap(forced: boolean): void {
    const mod = loadCap();
    if (!mod) {
      // Both are optional at install time (no compiler, no libpcap headers): live capture needs one of them.
      const why = forced
        ? 'the cap package is not installed or not built (npm install cap, which needs libpcap-dev g++ make python3)'
        : `live capture needs the native addon or the cap package: ${nativeLoadError()}`;
      throw new SensorError('CAP_NATIVE_MISSING', why);
    }
    if (!forced && !capNoticeShown) {
      capNoticeShown = true;
      this.warn(`${nativeLoadError()}; capturing with cap: timestamps are the wall clock at delivery, kernel drop counters unavailable`);
    }
    const o = this.opts;
    // In a child process: cap aborts the process on a capture socket error (see cap-child.ts).
    this.capChild = new CapChild({
      device: o.device,
      filter: o.filter ?? '',
      snaplen: o.snaplen ?? DEFAULT_SNAPLEN,
      bufferBytes: bufferBytes(o, this.warn),
      queueBytes: queueBytes(),
      user: o.user,
    }, this.warn);
    this.engine = 'cap';
  }

  private closeHandles(): void {
    this.native?.close(); // keeps the final counters for stats()
    this.capChild?.stop();
  }
}

function checkOptions(o: LiveOptions): void {
  const bad = (what: string): never => {
    throw new SensorError('CFG_OUT_OF_RANGE', `${what} for live capture on ${o.device}`);
  };
  if (!o.device) bad('no device name given');
  if (o.snaplen !== undefined && !(Number.isInteger(o.snaplen) && o.snaplen >= SNAPLEN.min! && o.snaplen <= SNAPLEN.max!)) {
    bad(`snaplen ${o.snaplen} is not an integer in ${SNAPLEN.min}..${SNAPLEN.max}`);
  }
  if (o.bufferSizeMiB !== undefined && !(o.bufferSizeMiB > 0)) bad(`buffer size ${o.bufferSizeMiB} MiB is not positive`);
}

/** libpcap takes the buffer size as a C int: 2 GiB - 1 is the most it can ask for. */
function bufferBytes(o: LiveOptions, warn: (line: string) => void): number {
  const want = Math.round((o.bufferSizeMiB ?? DEFAULT_BUFFER_MIB) * 1024 * 1024);
  if (want <= INT32_MAX) return want;
  warn(`capture buffer ${o.bufferSizeMiB} MiB is more than libpcap can ask for; using 2047 MiB`);
  return INT32_MAX;
}

/** The addon throws Errors with a `code` naming a SensorErrorCode. */
function toSensorError(e: unknown, device: string): SensorError {
  const err = e as Error & { code?: string };
  const known: SensorErrorCode[] = ['CAP_NO_DEVICE', 'CAP_PERMISSION', 'CAP_OPEN_FAILED', 'CAP_FILTER'];
  const code = known.find((k) => k === err.code) ?? 'CAP_OPEN_FAILED';
  const msg = err.message || `cannot open ${device} for capture`;
  return new SensorError(code, msg);
}
