import { defineModule, num, type ParamValues } from '../config/params.js';
import { counterList, type CounterTable, type StatsRegistry } from '../stats/counters.js';
import { Reassembler } from './fragments.js';

/**
 * IP fragment reassembly (decode/fragments.ts, track/fragment-table.ts):
 * params and counters. The pipeline owns one Reassembler built from these.
 */
export const FRAGMENT_COUNTERS = {
  fragments: { name: 'frag.fragments', kind: 'sum', help: 'IP fragments seen (IPv4 MF or offset, IPv6 fragment header).' },
  reassembled: { name: 'frag.reassembled', kind: 'sum', help: 'Datagrams whose transport header was put together from several fragments and decoded once (nmap -f, -ff, --mtu 8).' },
  firstHeld: { name: 'frag.first_held', kind: 'sum', help: 'Fragmented datagrams whose first fragment held the whole transport header (ordinary fragmentation of large datagrams).' },
  tiny: { name: 'frag.tiny', kind: 'sum', help: 'Datagrams whose first fragment was too short for the transport header (RFC 1858 tiny fragments): evasion evidence.' },
  overlaps: { name: 'frag.overlaps', kind: 'sum', help: 'Fragments that rewrote kept bytes with different ones (RFC 1858 / RFC 3128 overlapping fragments): evasion evidence.' },
  duplicates: { name: 'frag.duplicates', kind: 'sum', help: 'Fragments that repeated kept bytes unchanged (duplicated packets): not evasion.' },
  reemitted: { name: 'frag.reemitted', kind: 'sum', help: 'Datagrams handed on a second time because an overlapping fragment rewrote their header after it was decoded.' },
  timeouts: { name: 'frag.timeouts', kind: 'sum', help: 'Datagrams dropped after --frag-timeout before their transport header was complete (counted once, their fragments in decode.fragment).' },
  evictions: { name: 'frag.evictions', kind: 'sum', help: 'Datagrams pushed out of a full table (--frag-max-entries) while still within their timeout.' },
  entries: { name: 'frag.entries', kind: 'now', help: 'Datagrams in the fragment table now.' },
} as const satisfies CounterTable;

export const fragmentsModule = defineModule({
  name: 'fragments',
  help: 'IP fragments: reassemble the first bytes of each fragmented datagram, so fragmented probes are decoded once and evasion is counted.',
  params: [
    { name: 'frag-max-entries', type: 'int', default: 4096, min: 0, max: 1_000_000, unit: 'datagrams', help: 'Fragmented datagrams being put together at once, oldest out first (frag.evictions). Memory: 2 x --frag-cap bytes + 80 bytes each, allocated at start (4096: 0.8 MB). 0: no reassembly (a first fragment holding the header is still decoded).', advanced: true },
    { name: 'frag-cap', type: 'int', default: 64, min: 28, max: 1500, unit: 'bytes', help: 'Bytes kept per datagram from the start of its payload: enough for the transport header (TCP: up to 60). Overlaps past it are not seen.', advanced: true },
    { name: 'frag-timeout', type: 'duration', default: 30, min: 1, max: 600, unit: 's', help: 'Packet time a datagram\'s fragments may take to arrive (Linux ipfrag_time: 30 s; RFC 8200: 60 s for IPv6).', advanced: true },
  ],
  counters: counterList(FRAGMENT_COUNTERS),
});

export function createReassembler(p: ParamValues): Reassembler {
  return new Reassembler({ maxEntries: num(p, 'frag-max-entries'), cap: num(p, 'frag-cap'), timeout: num(p, 'frag-timeout') });
}

/** Defaults (tests, tools that build a pipeline without a command line). */
export function defaultReassembler(): Reassembler {
  const p: ParamValues = {};
  for (const s of fragmentsModule.params) p[s.name] = s.default as number;
  return createReassembler(p);
}

export function registerFragmentCounters(r: Reassembler, stats: StatsRegistry): void {
  const t = r.table;
  stats.bind(FRAGMENT_COUNTERS, {
    fragments: () => r.fragments,
    reassembled: () => r.reassembled,
    firstHeld: () => r.firstHeld,
    tiny: () => r.tiny,
    overlaps: () => (t ? t.overlaps : 0),
    duplicates: () => (t ? t.duplicates : 0),
    reemitted: () => r.reemitted,
    timeouts: () => (t ? t.timeouts : 0),
    evictions: () => (t ? t.evictions : 0),
    entries: () => (t ? t.entries : 0),
  });
}
