import type { ModuleContext } from '../../module.js';
import { bool, num } from '../../config/params.js';
import type { ScanEngine } from '../scan/engine.js';
import { defineScanPart } from '../scan/part-module.js';
import { DecoyLinker } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const DECOY_COUNTERS = {
  probes: { name: 'decoy.probes', kind: 'sum', help: 'Probe packets (SYN, stealth, bare ACK, UDP) looked at.' },
  copies: { name: 'decoy.copies', kind: 'sum', help: 'Probes that copied a probe another source had just sent (same destination, ports, sequence, IP id, window).' },
  links: { name: 'decoy.links', kind: 'sum', help: 'Copies that linked, or confirmed, two sources in one group (after --decoy-min-links).' },
  groups: { name: 'decoy.groups', kind: 'now', help: 'Decoy groups now.' },
  members: { name: 'decoy.members', kind: 'now', help: 'Sources in decoy groups now.' },
  dropped: { name: 'decoy.dropped', kind: 'sum', help: 'Links refused because --decoy-max-members was reached.' },
  expired: { name: 'decoy.expired', kind: 'sum', help: 'Sources that left their group after --decoy-idle.' },
} as const satisfies CounterTable;

/** nmap -D: copies of one probe from several sources, linked into one group. */
export const decoyModule = defineScanPart({
  name: 'decoy',
  help: 'Decoy linking (nmap -D): sources sending the same probes (same ports, sequence number, IP id, window) to the same host at the same instant are one scan; their scan events carry one group id.',
  params: [
    { name: 'decoy', type: 'bool', default: true, help: 'Link decoy scans into groups (--no-decoy to leave it out).' },
    { name: 'decoy-window', type: 'duration', default: 1, min: 0.000001, max: 60, unit: 's', help: 'Two identical probes from different sources at most this far apart (packet time) are copies of one probe (nmap sends them back to back, microseconds apart).' },
    { name: 'decoy-min-links', type: 'int', default: 3, min: 1, max: 1000, unit: 'probes', help: 'Copies between two sources, at distinct host:port pairs, before they are put in one group.' },
    { name: 'decoy-max-members', type: 'int', default: 4096, min: 2, max: 1_000_000, unit: 'sources', help: 'Sources held in groups at once; further links are refused and counted (decoy.dropped).', advanced: true },
    { name: 'decoy-idle', type: 'duration', default: 600, min: 1, max: 86400, unit: 's', help: 'A source not linked again for this long leaves its group.', advanced: true },
    { name: 'decoy-probe-slots', type: 'int', default: 16384, min: 16, max: 16_777_216, unit: 'probes', help: 'Recent probes remembered (direct-mapped, 24 bytes each; a newer probe in the same slot replaces the older).', advanced: true },
  ],
  counters: counterList(DECOY_COUNTERS),
  attach(ctx: ModuleContext, engine: ScanEngine) {
    if (!bool(ctx.params, 'decoy')) return null;
    const p = ctx.params;
    const linker = new DecoyLinker({
      probeSlots: num(p, 'decoy-probe-slots'),
      window: num(p, 'decoy-window'),
      minLinks: num(p, 'decoy-min-links'),
      pairSlots: 4096,
      maxMembers: num(p, 'decoy-max-members'),
      idle: num(p, 'decoy-idle'),
    });
    engine.alerts.groupOf = (s) => linker.groupOfAddress(s.v6, s.addr4, s.addr6);
    ctx.stats.bind(DECOY_COUNTERS, {
      probes: () => linker.probes,
      copies: () => linker.copies,
      links: () => linker.links,
      groups: () => linker.groups.groups,
      members: () => linker.groups.members,
      dropped: () => linker.groups.dropped,
      expired: () => linker.groups.expired,
    });
    return linker;
  },
});
