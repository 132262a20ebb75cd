/**
 * The write buffer: a fixed-capacity ring of line-protocol lines, oldest first.
 *
 *        head                     head+length
 *         v                           v
 *   [ ... a b c d e f g . . . . . . ]      capacity slots, allocated once
 *         \_____/
 *         in flight (the first `inFlight` lines, still owned by the ring)
 *
 * A batch on its way stays in the ring until the database answers: on success
 * it is removed (`settle`), on failure nothing moves and the next attempt sends
 * the same lines again, so there is no put-back and no reordering.
 *
 * When the ring is full, `push` drops the oldest line. If that line is part of
 * the batch in flight its fate is not known yet: it is remembered in
 * `pendingDrops` and counted as dropped only if the batch fails (on success it
 * was written after all). So each line is counted exactly once, written or
 * dropped, which is what the `influx.points_dropped` counter promises.
 */
export class LineQueue {
  private readonly slots: (string | undefined)[];
  private head = 0;
  private size = 0;
  /** Lines at the front that belong to the batch in flight. */
  private inFlight = 0;
  /** Lines of the batch in flight pushed out of the ring while it was on its way. */
  private pendingDrops = 0;
  /** Lines dropped for good (settled). */
  dropped = 0;
  /** High-water mark of `length`. */
  maxLength = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer (got ${capacity})`);
    this.slots = new Array<string | undefined>(capacity);
  }

  /** Lines held, the batch in flight included. */
  get length(): number {
    return this.size;
  }

  get busy(): boolean {
    return this.inFlight > 0 || this.pendingDrops > 0;
  }

  push(line: string): void {
    if (this.size === this.capacity) {
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      if (this.inFlight > 0) {
        this.inFlight--;
        this.pendingDrops++;
      } else {
        this.dropped++;
      }
    }
    this.slots[(this.head + this.size) % this.capacity] = line;
    this.size++;
    if (this.size > this.maxLength) this.maxLength = this.size;
  }

  /**
   * Mark up to `max` of the oldest lines as in flight and return them (a copy).
   * Only one batch may be in flight: call settle() before the next take().
   */
  take(max: number): string[] {
    if (this.busy) throw new Error('internal: a batch is already in flight');
    const n = Math.min(max, this.size);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.slots[(this.head + i) % this.capacity]!;
    this.inFlight = n;
    return out;
  }

  /**
   * The batch in flight has an answer. ok: its lines are written (returns how
   * many were sent, those pushed out meanwhile included). Not ok: the lines
   * still in the ring stay for the next attempt; those pushed out are dropped.
   * `discard`: the batch is settled without being written (rejected by the
   * server); returns how many lines it had.
   */
  settle(outcome: 'ok' | 'retry' | 'discard'): number {
    const sent = this.inFlight + this.pendingDrops;
    if (outcome === 'retry') {
      this.dropped += this.pendingDrops;
    } else {
      for (let i = 0; i < this.inFlight; i++) this.slots[(this.head + i) % this.capacity] = undefined;
      this.head = (this.head + this.inFlight) % this.capacity;
      this.size -= this.inFlight;
    }
    this.inFlight = 0;
    this.pendingDrops = 0;
    return sent;
  }

  /** Remove every line not in flight, counting them as dropped; returns how many. */
  dropAll(): number {
    if (this.busy) throw new Error('internal: dropAll() with a batch in flight');
    const n = this.size;
    this.slots.fill(undefined);
    this.head = 0;
    this.size = 0;
    this.dropped += n;
    return n;
  }
}
