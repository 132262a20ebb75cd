/**
 * The `cap` engine's capture process (started by cap-child.ts, never by hand).
 *
 * cap's binding aborts the whole process when the capture socket reports an
 * error (an interface deleted or set down: `assert(status == 0)` in its poll
 * callback, node_modules/cap/src/binding.cc:190; see native-notes/cap-child.md).
 * Capturing here keeps that abort away from the sensor, which sees this process
 * end, flushes its outputs and says what happened.
 *
 * argv[2]: JSON CapChildConfig. IPC (fd 3): one message, {t:'open', link} or
 * {t:'error', text, code?}. stdout: packet records, the native addon's layout
 * (u32 ts_sec, u32 ts_nsec, u32 caplen, u32 wirelen, native byte order, then the
 * bytes padded to 4), written in batches: one write per poll wake-up of cap.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dropPrivileges } from './privileges.js';

export interface CapChildConfig {
  device: string;
  filter: string;
  snaplen: number;
  bufferBytes: number;
  user?: string;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  on(event: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
  close(): boolean;
  setMinBytes?(n: number): void;
}

const REC_HDR = 16;
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

const snapWords = (cfg.snaplen + 3) >>> 2;
const pktAb = new ArrayBuffer(snapWords * 4);
const pkt = Buffer.from(pktAb, 0, cfg.snaplen); // cap copies each packet here (at most snaplen bytes)
const pktWords = new Uint32Array(pktAb);

// One batch buffer: at least 1 MiB and 16 worst-case records.
const size = Math.max(1 << 20, 16 * (REC_HDR + snapWords * 4));
const outAb = new ArrayBuffer(size);
const out = Buffer.from(outAb);
const words = new Uint32Array(outAb);
let used = 0;
let flushQueued = false;

function flush(): void {
  flushQueued = false;
  let off = 0;
  try {
    // stdout is a pipe in blocking mode: a slow sensor stalls us, and the kernel ring takes the overflow.
    while (off < used) off += writeSync(1, out, off, used - off);
  } catch {
    process.exit(0); // EPIPE: the sensor is gone
  }
  used = 0;
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
    if (used + REC_HDR + snapWords * 4 > size) flush();
    // cap gives no packet time: the wall clock now, here rather than in the sensor (closer to arrival).
    const t = performance.timeOrigin + performance.now();
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
    // cap dispatches every packet the socket holds in one poll callback: write them all after it.
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  });
  tell({ t: 'open', link });
}
