import { SAMPLE } from '../helpers/cli.js';
import { pcapFile, pcapngFile } from '../../src/decode/craft.js';
import { readPcapRecords } from '../helpers/sample-records.js';

/**
 * Seeds for the mutator, all from the checked-in sample capture (its first
 * 120 packets: the nmap scan's start, answers included): classic pcap as
 * written, big-endian nanosecond pcap, and pcapng with two interfaces of
 * different if_tsresol plus Simple Packet Blocks.
 */
export function seedCorpus(): { name: string; bytes: Uint8Array }[] {
  const { linkType, records } = readPcapRecords(SAMPLE);
  const first = records.slice(0, 120);
  const pcap = pcapFile(linkType, first.map((r) => ({ sec: r.sec, frac: r.usec, data: r.data })));
  const pcapNsBe = pcapFile(linkType, first.map((r) => ({ sec: r.sec, frac: r.usec * 1000, data: r.data })), { bigEndian: true, nano: true });
  const ng = pcapngFile(
    [{ linkType, tsresol: 6 }, { linkType, tsresol: 9 }],
    first.map((r, i) => {
      const us = BigInt(r.sec) * 1_000_000n + BigInt(r.usec);
      if (i % 7 === 6) return { ifId: -1, ts: 0n, data: r.data };
      return i % 2 ? { ifId: 1, ts: us * 1000n, data: r.data } : { ifId: 0, ts: us, data: r.data };
    }),
  );
  return [
    { name: 'pcap', bytes: pcap },
    { name: 'pcap-ns-be', bytes: pcapNsBe },
    { name: 'pcapng', bytes: ng },
  ];
}
