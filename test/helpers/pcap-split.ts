import { readFileSync } from 'node:fs';

/**
 * A classic little-endian pcap cut into its global header and its records,
 * each with its packet time, so a test can feed a capture to `-r -` in parts
 * (a replay the test paces).
 */
export interface PcapParts {
  header: Buffer;
  records: { ts: number; bytes: Buffer }[];
}

export function splitPcap(path: string): PcapParts {
  const b = readFileSync(path);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian microsecond pcap`);
  const records: PcapParts['records'] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const incl = b.readUInt32LE(off + 8);
    const ts = b.readUInt32LE(off) + b.readUInt32LE(off + 4) / 1e6;
    records.push({ ts, bytes: b.subarray(off, off + 16 + incl) });
    off += 16 + incl;
  }
  return { header: b.subarray(0, 24), records };
}

/** The records with time in [from, to), joined. */
export function recordsBetween(p: PcapParts, from: number, to: number): Buffer {
  return Buffer.concat(p.records.filter((r) => r.ts >= from && r.ts < to).map((r) => r.bytes));
}
