/**
 * A capture-file format parser working on whatever bytes the window holds.
 * `parse` handles every complete record in b[start, end) and returns the new
 * start; when it stops for lack of bytes it leaves in `need` how many bytes
 * (from the returned start) the next record requires. On damage it sets
 * `damage` to one line and stops for good.
 */
export interface RecordParser {
  readonly format: string;
  parse(b: Uint8Array, start: number, end: number): number;
  need: number;
  damage: string | null;
  /** Packets emitted so far. */
  packets: number;
  /** Ask the parser to return after the current record. */
  stopRequested: boolean;
}

/**
 * Largest record we believe. libpcap's own limit is 256 KiB (MAXIMUM_SNAPLEN);
 * pcapng readers allow more for some link types, so allow 16 MiB before calling
 * a length absurd: a damaged length word then fails fast instead of making us
 * buffer gigabytes.
 */
export const MAX_RECORD_BYTES = 16 << 20;

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}
