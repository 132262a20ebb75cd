import { defineDetector, type ModuleContext } from '../../module.js';
import { bool, num } from '../../config/params.js';
import type { DistributedEvent } from '../../sink/schema.js';
import { VictimDetector } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const VICTIM_COUNTERS = {
  victims: { name: 'distributed.victims', kind: 'now', help: 'Destinations tracked now.' },
  victimsMax: { name: 'distributed.victims_max', kind: 'max', help: 'Most destinations tracked at once.' },
  victimsEvicted: { name: 'distributed.victims_evicted', kind: 'sum', help: 'Destinations evicted to make room (--distributed-max-victims reached).' },
  victimsExpired: { name: 'distributed.victims_expired', kind: 'sum', help: 'Destinations forgotten after --distributed-victim-idle without a SYN.' },
  syns: { name: 'distributed.syns', kind: 'sum', help: 'SYNs (without ACK) looked at, retransmissions included.' },
  synRetransmits: { name: 'distributed.syn_retransmits', kind: 'sum', help: 'SYNs repeating a handshake still open (not counted again).' },
  handshakes: { name: 'distributed.handshakes', kind: 'sum', help: 'Handshakes completed by the client\'s ACK.' },
  unanswered: { name: 'distributed.unanswered', kind: 'sum', help: 'SYNs never completed: RST from either side, --half-open-timeout, pushed out of a full table, or end of input.' },
  halfOpen: { name: 'distributed.half_open', kind: 'now', help: 'Handshakes waiting for the client\'s ACK now.' },
  halfOpenEvicted: { name: 'distributed.half_open_evicted', kind: 'sum', help: 'Waiting handshakes pushed out by newer SYNs (--half-open-max reached: a flood) and counted unanswered.' },
  halfOpenExpired: { name: 'distributed.half_open_expired', kind: 'sum', help: 'Waiting handshakes timed out after --half-open-timeout.' },
  specialAddresses: { name: 'distributed.special_addresses', kind: 'sum', help: 'SYNs to multicast, broadcast or unspecified addresses (never victims).' },
  eventsStart: { name: 'distributed.events_start', kind: 'sum', help: 'Distributed episodes started (start events).' },
  eventsUpdate: { name: 'distributed.events_update', kind: 'sum', help: 'Distributed update events.' },
  eventsEnd: { name: 'distributed.events_end', kind: 'sum', help: 'Distributed episodes ended (end events).' },
  admissionRecords: { name: 'distributed.admission_records', kind: 'sum', help: 'Destinations whose first SYNs were kept in an admission record, without a victim slot.' },
  admissionAdmitted: { name: 'distributed.admission_admitted', kind: 'sum', help: 'Admission records that became victims (their k+1-th SYN in a window, or a SYN in a later window).' },
  admissionOverwritten: { name: 'distributed.admission_overwritten', kind: 'sum', help: 'Admission records overwritten by another destination hashing to the same record (its SYNs so far are lost).' },
  active: { name: 'distributed.active', kind: 'now', help: 'Distributed episodes going on now.' },
} as const satisfies CounterTable;

/** Many-to-one: distributed scans and SYN floods, seen from the victim. */
export const victimModule = defineDetector({
  name: 'distributed',
  help: 'Victim-centric detector: a destination receiving mostly unanswered SYNs from many sources is named, as a distributed scan (many ports) or a SYN flood (few ports take most SYNs).',
  params: [
    { name: 'distributed', type: 'bool', default: true, help: 'Run the many-to-one detector (--no-distributed to leave it out).' },
    { name: 'distributed-window', type: 'duration', default: 10, min: 0.1, max: 3600, unit: 's', help: 'Window of the per-victim counts and sketches, aligned to multiples of it in packet time. Longer catches slower distributed scans, answers later.' },
    { name: 'distributed-min-unanswered', type: 'int', default: 100, min: 1, max: 100_000_000, unit: 'SYNs', help: 'Unanswered SYNs to one destination in a window before it can be named a victim (Snort port_scan names a scan after 100 unanswered probes).' },
    { name: 'distributed-unanswered-share', type: 'float', default: 0.5, min: 0, max: 1, help: 'Least share of the window\'s SYNs to the victim that must stay unanswered: a busy server completes its clients\' handshakes.' },
    { name: 'distributed-min-sources', type: 'int', default: 5, min: 2, max: 100_000_000, unit: 'sources', help: 'Distinct sources (estimated) in the window: fewer is one-to-one, named by the scan detectors instead.' },
    { name: 'distributed-max-source-share', type: 'float', default: 0.5, min: 0.01, max: 1, help: 'When one source sent more than this share of the victim\'s unanswered SYNs it is a one-to-one scan among other traffic (the scan detectors name it), not a distributed one.' },
    { name: 'distributed-min-ports', type: 'int', default: 20, min: 1, max: 65536, unit: 'ports', help: 'Distinct destination ports (estimated) in the window that make a distributed scan (a flood needs only flood-rate and flood-share).' },
    { name: 'flood-rate', type: 'float', default: 100, min: 0.001, max: 1e9, unit: 'SYN/s', help: 'Unanswered SYNs per second to one victim that, when a few ports take them, make a SYN flood.' },
    { name: 'flood-share', type: 'float', default: 0.8, min: 0.01, max: 1, help: 'Share of the victim\'s SYNs the top --flood-ports ports must take for the flood flag.' },
    { name: 'flood-ports', type: 'int', default: 3, min: 1, max: 16, unit: 'ports', help: 'How many ports count as "a few" for the flood flag (heavy-hitter counters per victim).', advanced: true },
    { name: 'distributed-max-victims', type: 'int', default: 4096, min: 1, max: 1_000_000, unit: 'victims', help: 'Destinations tracked at once, least recently hit out first (victims with an open event are kept); about 4 KiB each, allocated at start.' },
    { name: 'distributed-victim-idle', type: 'duration', default: 120, min: 1, max: 86400, unit: 's', help: 'A destination with no SYN for this long is forgotten.', advanced: true },
    { name: 'half-open-max', type: 'int', default: 65536, min: 16, max: 10_000_000, unit: 'handshakes', help: 'Handshakes waiting for the client\'s ACK, a newer SYN in the same slot pushes one out (counted unanswered); rounded up to a power of two, 40 bytes each, allocated at start.', advanced: true },
    { name: 'half-open-timeout', type: 'duration', default: 3, min: 0.01, max: 600, unit: 's', help: 'A SYN whose handshake the client has not completed after this long (packet time) is unanswered. TCP retransmits a SYN after 1 s.' },
    { name: 'distributed-update', type: 'duration', default: 30, min: 0.001, max: 86400, unit: 's', help: 'Least time between two update events of one victim (a change of the flood flag is reported at once).' },
    { name: 'distributed-idle', type: 'duration', default: 30, min: 0.001, max: 86400, unit: 's', help: 'An episode not judged again for this long ends (end event); a later one gets a new id.' },
    { name: 'distributed-seed', type: 'int', default: 0x5eed, min: 0, max: 0xffffffff, help: 'Seed of the sketches\' hash: fixed, so a replay gives the same estimates every run; change it if someone aims sources at the sketch.', advanced: true },
    { name: 'distributed-admission-slots', type: 'int', default: 65536, min: 16, max: 16_777_216, unit: 'destinations', help: 'Admission records: destinations with their first few SYNs of a window kept in typed arrays, without a victim slot (a sweep or a flood spread over many destinations costs a hash and a few writes per SYN). Rounded up to a power of two; overwrites counted in distributed.admission_overwritten.', advanced: true },
    { name: 'distributed-admit-syns', type: 'int', default: 8, min: 0, max: 255, unit: 'SYNs', help: 'SYNs to one destination in a window kept in its admission record; the next one gives it a victim slot, with the record replayed in. Always below --distributed-min-unanswered; 0: every destination gets a slot at its first SYN.', advanced: true },
    { name: 'distributed-precision', type: 'int', default: 10, min: 4, max: 16, unit: 'bits', help: 'HyperLogLog precision p of the per-victim source count: 2^p one-byte registers, standard error 1.04/sqrt(2^p) (10: 1 KiB, 3.3%). Ports use p-2.', advanced: true },
  ],
  counters: counterList(VICTIM_COUNTERS),
  alerts: [
    { id: 'distributed.start', message: 'a destination receives unanswered SYNs from many sources (distributed scan, or flood)' },
    { id: 'distributed.update', message: 'a distributed episode goes on (flood flag changed, or every --distributed-update)' },
    { id: 'distributed.end', message: 'a distributed episode ended (idle for --distributed-idle, victim evicted, or end of input)' },
  ],
  create(ctx: ModuleContext) {
    if (!bool(ctx.params, 'distributed')) return null;
    const p = ctx.params;
    const precision = num(p, 'distributed-precision');
    const d = new VictimDetector({
      window: num(p, 'distributed-window'),
      minUnanswered: num(p, 'distributed-min-unanswered'),
      unansweredShare: num(p, 'distributed-unanswered-share'),
      minSources: num(p, 'distributed-min-sources'),
      minPorts: num(p, 'distributed-min-ports'),
      maxSourceShare: num(p, 'distributed-max-source-share'),
      floodRate: num(p, 'flood-rate'),
      floodShare: num(p, 'flood-share'),
      floodPorts: num(p, 'flood-ports'),
      maxVictims: num(p, 'distributed-max-victims'),
      victimIdle: num(p, 'distributed-victim-idle'),
      maxHalfOpen: num(p, 'half-open-max'),
      halfOpenTimeout: num(p, 'half-open-timeout'),
      update: num(p, 'distributed-update'),
      idle: num(p, 'distributed-idle'),
      seed: num(p, 'distributed-seed'),
      admissionSlots: num(p, 'distributed-admission-slots'),
      admitSyns: num(p, 'distributed-admit-syns'),
      sourcePrecision: precision,
      portPrecision: Math.max(4, precision - 2),
      emit: (e: DistributedEvent) => ctx.emit(e),
    });
    ctx.stats.bind(VICTIM_COUNTERS, {
      victims: () => d.victims.size,
      victimsMax: () => d.victims.highWater,
      victimsEvicted: () => d.victims.evictions,
      victimsExpired: () => d.victims.expired,
      syns: () => d.syns,
      synRetransmits: () => d.retransmits,
      handshakes: () => d.half.completed,
      unanswered: () => d.unanswered,
      halfOpen: () => d.half.size,
      halfOpenEvicted: () => d.half.evictions,
      halfOpenExpired: () => d.half.expired,
      specialAddresses: () => d.special,
      eventsStart: () => d.starts,
      eventsUpdate: () => d.updates,
      eventsEnd: () => d.ends,
      active: () => d.activeEpisodes,
      admissionRecords: () => d.records?.records ?? 0,
      admissionAdmitted: () => d.records?.admitted ?? 0,
      admissionOverwritten: () => d.records?.overwritten ?? 0,
    });
    return d;
  },
});
