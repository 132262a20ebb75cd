import { defineModule } from '../config/params.js';
import { counterList, type CounterTable } from '../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const SESSIONS_COUNTERS = {
  packets: { name: 'sessions.packets', kind: 'sum', help: 'TCP packets grouped into sessions.' },
  notTcp: { name: 'sessions.not_tcp', kind: 'sum', help: 'Decoded packets that are not TCP (not part of any session).' },
  opened: { name: 'sessions.opened', kind: 'sum', help: 'Sessions opened.' },
  closed: { name: 'sessions.closed', kind: 'sum', help: 'Sessions closed (idle, evicted, collision or end of input).' },
  open: { name: 'sessions.open', kind: 'now', help: 'Sessions open now.' },
  openMax: { name: 'sessions.open_max', kind: 'max', help: 'Most sessions open at once.' },
  evicted: { name: 'sessions.evicted', kind: 'sum', help: 'Sessions closed early because --max-sessions was reached.' },
  collisions: { name: 'sessions.collisions', kind: 'sum', help: 'Sessions closed early because another 5-tuple had the same 52-bit key.' },
  flushed: { name: 'sessions.flushed', kind: 'sum', help: 'Sessions still open at end of input, closed then.' },
} as const satisfies CounterTable;

/** `peng-ts sessions`: nmap-harvester's dataset builder. */
export const sessionsModule = defineModule({
  name: 'sessions',
  help: 'peng-ts sessions -r FILE|- (or -network IFACE) [--window 0.5s] [--scanner CIDR,...|--label 0|1] > sessions.csv: one CSV row per TCP session (nmap-harvester\'s columns).',
  params: [
    { name: 'window', type: 'duration', default: 0.5, min: 0.001, max: 3600, unit: 's', help: 'A session closes after this long without a packet (packet time); nmap-harvester uses 0.5 s.' },
    { name: 'max-sessions', type: 'int', default: 200_000, min: 1, max: 50_000_000, unit: 'sessions', help: 'Sessions open at once; when full the least recently active is closed early (sessions.evicted).' },
    { name: 'scanner', type: 'list', default: [], help: 'CIDRs of known scanners: sessions they opened get label 1, every other session 0.' },
    { name: 'label', type: 'choice', choices: ['0', '1'], help: 'Label every session 0 (benign) or 1 (scan); not with --scanner. Neither: the label column stays empty.' },
  ],
  counters: counterList(SESSIONS_COUNTERS),
});
