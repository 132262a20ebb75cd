import { readFileSync } from 'node:fs';

export interface SampleRecord {
  sec: number;
  usec: number;
  data: Uint8Array;
}

/** The records of a little-endian microsecond pcap (the checked-in sample), for building variants of it. */
export function readPcapRecords(path: string): { linkType: number; records: SampleRecord[] } {
  const b = readFileSync(path);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian microsecond pcap`);
  const linkType = b.readUInt32LE(20);
  const records: SampleRecord[] = [];
  for (let p = 24; p + 16 <= b.length; ) {
    const caplen = b.readUInt32LE(p + 8);
    records.push({ sec: b.readUInt32LE(p), usec: b.readUInt32LE(p + 4), data: new Uint8Array(b.subarray(p + 16, p + 16 + caplen)) });
    p += 16 + caplen;
  }
  return { linkType, records };
}
