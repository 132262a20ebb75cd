/**
 * The `cap` engine's capture process (started by cap-child.ts, never by hand).
 *
 * cap's binding aborts the whole process when the capture socket reports an
 * error (an interface deleted or set down: `assert(status == 0)` in its poll
 * callback, node_modules/cap/src/binding.cc:190; see native-notes/cap-child.md).
 * Capturing here keeps that abort away from the sensor, which sees this process
 * end, flushes its outputs and says what happened.
 *
 * argv[2]: JSON CapChildConfig. IPC (fd 3): first {t:'open', link} or
 * {t:'error', text, code?}; then {t:'dropped', n} when the running count of
 * packets dropped because the sensor fell behind has grown. stdout: packet records, the native addon's layout
 * (u32 ts_sec, u32 ts_nsec, u32 caplen, u32 wirelen, native byte order, then the
 * bytes padded to 4), written in batches (FLUSH_MS).
 */
import { createRequire } from 'node:module';
import { dropPrivileges } from './privileges.js';

export interface CapChildConfig {
  device: string;
  filter: string;
  snaplen: number;
  bufferBytes: number;
  /** Bytes of batches that may wait for the sensor before packets are dropped (cap-child.ts: 64 MiB). */
  queueBytes: number;
  user?: string;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  on(event: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
  close(): boolean;
  setMinBytes?(n: number): void;
}

const REC_HDR = 16;
/**
 * Records wait at most this long before they are written (or until the batch is
 * full): one write and one 'data' event in the sensor per batch, not per packet
 * (with cap's immediate mode a wake-up often holds a single packet). The native
 * engine's batches are 100 ms; measured in native-notes/cap-child.md.
 */
const FLUSH_MS = 50;
/** Above this many bytes Buffer.copy (one view allocated) beats the word loop. */
const WORD_COPY_MAX = 1024;

const cfg = JSON.parse(process.argv[2] ?? '{}') as CapChildConfig;

function tell(msg: object, then?: () => void): void {
  if (!process.send) process.exit(3); // not started by cap-child.ts
  process.send(msg, undefined, {}, () => then?.());
}

function fail(text: string, code?: string): void {
  // Exit only once the message is out; cap may hold a half-open handle that crashes at GC.
  tell({ t: 'error', text, code }, () => process.exit(2));
}

// The parent went away (or stopped us by closing the channel): nothing to capture for.
process.on('disconnect', () => process.exit(0));
// Stopped by the sensor (cap-child.ts stop()): the drop count of the last 50 ms goes out first.
process.on('SIGTERM', () => {
  if (dropped !== droppedTold && process.connected) tell({ t: 'dropped', n: dropped }, () => process.exit(0));
  else process.exit(0);
});

const snapWords = (cfg.snaplen + 3) >>> 2;
const pktAb = new ArrayBuffer(snapWords * 4);
const pkt = Buffer.from(pktAb, 0, cfg.snaplen); // cap copies each packet here (at most snaplen bytes)
const pktWords = new Uint32Array(pktAb);

// Batch buffers: at least 1 MiB and 16 worst-case records each. Writes to the pipe are
// asynchronous (the sensor may be busy), so a written buffer returns to `free` when the
// write completes; at most MAX_BUFFERS exist. When all are queued the sensor is that far
// behind: packets are dropped here and counted (cap alone would have lost them in the
// kernel ring without a count, in-process it would have stalled the sensor).
// A queue below 4 MiB (a test's, PENG_TS_CAP_QUEUE_BYTES) gets four smaller batches.
const size = Math.max(Math.min(1 << 20, (cfg.queueBytes >>> 2) & ~3), 16 * (REC_HDR + snapWords * 4));
const MAX_BUFFERS = Math.max(4, Math.floor(cfg.queueBytes / size)); // cfg.queueBytes queued at most
const free: Buffer[] = [];
let buffers = 1;
let out: Buffer | null = Buffer.from(new ArrayBuffer(size));
let words = new Uint32Array(out.buffer);
let used = 0;
let batchStart = 0;
let flushTimer: NodeJS.Timeout | null = null;
let dropped = 0;
let droppedTold = 0;

// EPIPE: the sensor is gone.
process.stdout.on('error', () => process.exit(0));

/** The next empty batch buffer, or null when MAX_BUFFERS are all waiting to be written. */
function nextBuffer(): Buffer | null {
  const b = free.pop() ?? (buffers < MAX_BUFFERS ? (buffers++, Buffer.from(new ArrayBuffer(size))) : null);
  if (b) words = new Uint32Array(b.buffer);
  return b;
}

function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  if (dropped !== droppedTold && process.connected) {
    droppedTold = dropped;
    process.send!({ t: 'dropped', n: dropped });
  }
  if (!out || used === 0) return;
  const b = out;
  process.stdout.write(b.subarray(0, used), () => free.push(b));
  used = 0;
  out = nextBuffer();
}

/** Open the interface and drop privileges; on failure say why (the process then exits) and return null. */
function open(): { c: CapHandle; link: string } | null {
  let c: CapHandle;
  try {
    const cap = createRequire(import.meta.url)('cap') as { Cap: new () => CapHandle };
    c = new cap.Cap();
  } catch (e) {
    fail(`the cap package does not load: ${(e as Error).message.split('\n')[0]}`, 'CAP_NATIVE_MISSING');
    return null;
  }
  let link: string;
  try {
    link = c.open(cfg.device, cfg.filter, cfg.bufferBytes, pkt);
  } catch (e) {
    fail((e as Error).message ?? String(e));
    return null;
  }
  c.setMinBytes?.(0);
  try {
    if (cfg.user) dropPrivileges(cfg.user); // as the sensor does: nothing here stays root after the open
  } catch (e) {
    const err = e as Error & { code?: string };
    c.close();
    fail(err.message, err.code);
    return null;
  }
  return { c, link };
}

const opened = open();
if (opened) {
  const { c, link } = opened;
  c.on('packet', (n: number) => {
    // cap gives no packet time: the wall clock now, here rather than in the sensor (closer to arrival).
    const t = performance.timeOrigin + performance.now();
    // cap's poll callback dispatches for as long as packets keep coming, so timers
    // wait: a batch is also closed here once FLUSH_MS old, or when it might not hold this packet.
    if (used > 0 && (t - batchStart >= FLUSH_MS || used + REC_HDR + snapWords * 4 > size)) flush();
    if (!out && !(out = nextBuffer())) {
      dropped++;
      if (!flushTimer) flushTimer = setTimeout(flush, FLUSH_MS);
      return;
    }
    if (used === 0) batchStart = t;
    const sec = Math.floor(t / 1000);
    const w = used >>> 2;
    words[w] = sec;
    words[w + 1] = Math.floor((t - sec * 1000) * 1e6);
    words[w + 2] = n;
    words[w + 3] = n; // cap does not pass the original length
    const nw = (n + 3) >>> 2;
    if (n <= WORD_COPY_MAX) {
      for (let i = 0; i < nw; i++) words[w + 4 + i] = pktWords[i];
    } else {
      pkt.copy(out, used + REC_HDR, 0, n);
    }
    used += REC_HDR + nw * 4;
    if (!flushTimer) flushTimer = setTimeout(flush, FLUSH_MS); // a quiet link still gets its packets
  });
  tell({ t: 'open', link });
}
