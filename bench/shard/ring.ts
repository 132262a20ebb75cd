/**
 * A one-producer, one-consumer ring of packet batches in one SharedArrayBuffer:
 * SLOTS slots of SLOT_BYTES each. The main thread copies packet records into
 * the slot it owns; when the slot is full it publishes it (state FULL, the
 * used length, Atomics.notify) and moves to the next slot, blocking with
 * Atomics.wait only when the worker has not given that one back yet. The
 * worker waits on the slot it expects next, replays its records, and frees it.
 * No per-packet message, no per-packet allocation: one notify per batch.
 *
 * A record: 5 uint32 (tsSec, tsNsec, caplen, wirelen, linkType), then caplen
 * bytes, padded to 4 so the next header is aligned.
 */
export const SLOTS = 8;
export const SLOT_BYTES = 1 << 20;
const HEADER_WORDS = 5;
const HEADER_BYTES = HEADER_WORDS * 4;

const FREE = 0;
const FULL = 1;
/** Full, and the last batch: the producer ends after it. */
const LAST = 2;

/** Control words: state[SLOTS], used[SLOTS], then the final packet time (as two words). */
const CONTROL_BYTES = 4 * (2 * SLOTS + 4);

export function ringBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + SLOTS * SLOT_BYTES);
}

export interface RawPacket {
  bytes: Uint8Array;
  offset: number;
  caplen: number;
  wirelen: number;
  linkType: number;
  tsSec: number;
  tsNsec: number;
}

export class RingProducer {
  private readonly ctrl: Int32Array;
  private readonly u8: Uint8Array;
  private readonly u32: Uint32Array;
  private slot = 0;
  private pos = 0;
  /** Times the producer found the next slot still in use and waited. */
  waits = 0;
  batches = 0;

  constructor(sab: SharedArrayBuffer) {
    this.ctrl = new Int32Array(sab, 0, 2 * SLOTS + 4);
    this.u8 = new Uint8Array(sab, CONTROL_BYTES);
    this.u32 = new Uint32Array(sab, CONTROL_BYTES);
    this.acquire();
  }

  /** Copy one packet record into the current batch. */
  push(p: RawPacket): void {
    const need = HEADER_BYTES + ((p.caplen + 3) & ~3);
    if (this.pos + need > SLOT_BYTES) this.publish(FULL);
    const base = this.slot * SLOT_BYTES + this.pos;
    const w = base >>> 2;
    const u32 = this.u32;
    u32[w] = p.tsSec;
    u32[w + 1] = p.tsNsec;
    u32[w + 2] = p.caplen;
    u32[w + 3] = p.wirelen;
    u32[w + 4] = p.linkType;
    const dst = this.u8;
    const src = p.bytes;
    const from = p.offset;
    const n = p.caplen;
    const at = base + HEADER_BYTES;
    // Headers of small packets: a loop beats creating a subarray for set().
    if (n <= 96) for (let i = 0; i < n; i++) dst[at + i] = src[from + i];
    else dst.set(src.subarray(from, from + n), at);
    this.pos += need;
  }

  /** Publish what is left as the last batch; `lastTime` is the final packet time (seconds). */
  end(lastTime: number): void {
    const f = new Float64Array(this.ctrl.buffer, 4 * 2 * SLOTS, 1);
    f[0] = lastTime;
    this.publish(LAST);
  }

  private publish(state: number): void {
    const c = this.ctrl;
    c[SLOTS + this.slot] = this.pos;
    Atomics.store(c, this.slot, state);
    Atomics.notify(c, this.slot);
    this.batches++;
    if (state === LAST) return;
    this.slot = (this.slot + 1) % SLOTS;
    this.pos = 0;
    this.acquire();
  }

  private acquire(): void {
    const c = this.ctrl;
    if (Atomics.load(c, this.slot) !== FREE) this.waits++;
    while (Atomics.load(c, this.slot) !== FREE) Atomics.wait(c, this.slot, Atomics.load(c, this.slot));
  }
}

/**
 * The worker's side: `consume` blocks for each batch, hands every record to
 * `onRecord` as fields of one reused object, and returns the final packet time
 * after the last batch.
 */
export function consume(sab: SharedArrayBuffer, onRecord: (p: RawPacket) => void): number {
  const c = new Int32Array(sab, 0, 2 * SLOTS + 4);
  const u8 = new Uint8Array(sab, CONTROL_BYTES);
  const u32 = new Uint32Array(sab, CONTROL_BYTES);
  const rec: RawPacket = { bytes: u8, offset: 0, caplen: 0, wirelen: 0, linkType: 0, tsSec: 0, tsNsec: 0 };
  for (let slot = 0; ; slot = (slot + 1) % SLOTS) {
    while (Atomics.load(c, slot) === FREE) Atomics.wait(c, slot, FREE);
    const state = Atomics.load(c, slot);
    const start = slot * SLOT_BYTES;
    const end = start + c[SLOTS + slot];
    for (let pos = start; pos < end; ) {
      const w = pos >>> 2;
      rec.tsSec = u32[w];
      rec.tsNsec = u32[w + 1];
      rec.caplen = u32[w + 2];
      rec.wirelen = u32[w + 3];
      rec.linkType = u32[w + 4];
      rec.offset = pos + HEADER_BYTES;
      onRecord(rec);
      pos += HEADER_BYTES + ((rec.caplen + 3) & ~3);
    }
    if (state === LAST) return new Float64Array(sab, 4 * 2 * SLOTS, 1)[0];
    Atomics.store(c, slot, FREE);
    Atomics.notify(c, slot);
  }
}
