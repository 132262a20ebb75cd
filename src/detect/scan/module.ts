import type { DetectorModule, ModuleContext } from '../../module.js';
import { bool, list, num } from '../../config/params.js';
import { CidrSet } from '../../decode/cidr-set.js';
import { SensorError } from '../../errors.js';
import { counterList, type CounterTable } from '../../stats/counters.js';
import { ScanEngine } from './engine.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const SCAN_COUNTERS = {
  sources: { name: 'scan.sources', kind: 'now', help: 'Sources tracked now.' },
  sourcesMax: { name: 'scan.sources_max', kind: 'max', help: 'Most sources tracked at once.' },
  sourcesEvicted: { name: 'scan.sources_evicted', kind: 'sum', help: 'Sources evicted to make room (--max-sources reached).' },
  sourcesExpired: { name: 'scan.sources_expired', kind: 'sum', help: 'Sources forgotten after --source-idle without a probe.' },
  contacts: { name: 'scan.contacts', kind: 'now', help: 'First contacts remembered now.' },
  contactsEvicted: { name: 'scan.contacts_evicted', kind: 'sum', help: 'First contacts evicted to make room (--max-contacts reached).' },
  contactsExpired: { name: 'scan.contacts_expired', kind: 'sum', help: 'First contacts forgotten after --contact-ttl.' },
  admissionRecords: { name: 'scan.admission_records', kind: 'sum', help: 'Sources seen with a first probe and no state yet (admission records started).' },
  admissionTechnique: { name: 'scan.admission_technique', kind: 'sum', help: 'Admission records started by an ICMP request, SCTP or IP-protocol first probe (no state until a second probe or an answer).' },
  admissionOverwritten: { name: 'scan.admission_overwritten', kind: 'sum', help: 'Admission records overwritten by another source hashing to the same slot (that source starts again from its next probe).' },
  sourcesAdmitted: { name: 'scan.sources_admitted', kind: 'sum', help: 'Sources given a full state (a second first contact).' },
  pending: { name: 'scan.pending', kind: 'now', help: 'First contacts waiting for an answer now (not yet answered, failed or timed out).' },
  pendingAtEnd: { name: 'scan.pending_at_end', kind: 'sum', help: 'First contacts still waiting at end of input, resolved then as unanswered (timeouts).' },
  pendingDropped: { name: 'scan.pending_dropped', kind: 'sum', help: 'Waiting first contacts dropped unresolved because --max-pending was reached.' },
  packets: { name: 'scan.packets', kind: 'sum', help: 'TCP/UDP packets looked at by the tracker (after special and ignored addresses).' },
  probes: { name: 'scan.probes', kind: 'sum', help: 'Probe packets: SYN, stealth, UDP to a host:port not (yet) answered, retries included.' },
  firstContacts: { name: 'scan.first_contacts', kind: 'sum', help: 'First contacts (source, host, port, probe kind).' },
  successes: { name: 'scan.successes', kind: 'sum', help: 'First contacts answered (SYN-ACK, UDP reply, a connection behind an ACK/FIN+ACK).' },
  failures: { name: 'scan.failures', kind: 'sum', help: 'First contacts failed: RST, ICMP unreachable, or timeout.' },
  failuresRst: { name: 'scan.failures_rst', kind: 'sum', help: 'Failures by RST from the target.' },
  failuresIcmp: { name: 'scan.failures_icmp', kind: 'sum', help: 'Failures by ICMP/ICMPv6 destination unreachable quoting the probe.' },
  failuresTimeout: { name: 'scan.failures_timeout', kind: 'sum', help: 'Failures by no answer within --probe-timeout.' },
  udpUnanswered: { name: 'scan.udp_unanswered', kind: 'sum', help: 'UDP first contacts that got no answer (not failures unless --udp-timeout-fails).' },
  replies: { name: 'scan.replies', kind: 'sum', help: 'Packets recognised as answers to a contact (never probes, never make a victim a scanner); packets of connections already carrying data are in scan.flows_skipped instead.' },
  flowsSkipped: { name: 'scan.flows_skipped', kind: 'sum', help: 'TCP packets of connections established with data, skipped before any contact lookup (nothing in them can change a verdict).' },
  orphanReplies: { name: 'scan.orphan_replies', kind: 'sum', help: 'SYN-ACKs and RSTs to no contact we know (capture started late, asymmetric routing, backscatter).' },
  teardowns: { name: 'scan.teardowns', kind: 'sum', help: 'Handshakes completed and torn down before any data (connect-scan evidence).' },
  ignoredSources: { name: 'scan.ignored_sources', kind: 'sum', help: 'Packets from --ignore sources.' },
  ignoredDestinations: { name: 'scan.ignored_destinations', kind: 'sum', help: 'Packets to --ignore sources (their answers).' },
  specialAddresses: { name: 'scan.special_addresses', kind: 'sum', help: 'Packets from or to multicast, broadcast or unspecified addresses (never sources or targets).' },
  udpPortIgnored: { name: 'scan.udp_port_ignored', kind: 'sum', help: 'UDP packets to --udp-ignore-ports.' },
  eventsStart: { name: 'scan.events_start', kind: 'sum', help: 'Scans started (start events).' },
  eventsUpdate: { name: 'scan.events_update', kind: 'sum', help: 'Update events.' },
  eventsEnd: { name: 'scan.events_end', kind: 'sum', help: 'Scans ended (end events).' },
  active: { name: 'scan.active', kind: 'now', help: 'Scans going on now.' },
} as const satisfies CounterTable;

/** The scan module: its create() always builds an engine (the parts decide whether anything is judged). */
export interface ScanModule extends DetectorModule {
  create(ctx: ModuleContext): ScanEngine;
}

function defineEngine(m: ScanModule): ScanModule {
  return Object.freeze(m);
}

/**
 * Scan attribution: the shared source tracker and alert lifecycle. The
 * detectors that judge sources (trw, stealth, slow, udp, discovery, osscan,
 * classifier) are modules of their own (detect/scan/part-module.ts): the
 * assembly creates this engine, then attaches each of them to it. This
 * module's detector is the one the pipeline runs.
 */
export const scanModule = defineEngine({
  name: 'scan',
  help: 'Per-source scan attribution: first contacts and their outcome, technique, pattern, tool; alerts as start/update/end events.',
  params: [
    { name: 'ignore', type: 'list', default: [], help: 'CIDRs of sources allowed to scan (comma-separated or repeated): never judged; packets to them (their answers) are skipped too.' },
    { name: 'max-sources', type: 'int', default: 20000, min: 1, max: 10_000_000, unit: 'sources', help: 'Sources tracked at once; the least recently probing is evicted (counted in scan.sources_evicted) when a new one arrives.' },
    { name: 'source-idle', type: 'duration', default: 900, min: 1, max: 7 * 86400, unit: 's', help: 'A source that sent no probe for this long is forgotten (with its evidence). Longer catches slower scans, costs memory.' },
    { name: 'max-contacts', type: 'int', default: 500_000, min: 16, max: 100_000_000, unit: 'contacts', help: 'First contacts (source, host, port, protocol) remembered at once, oldest out first; 40 bytes each, allocated at start (500k: 20 MB).', advanced: true },
    { name: 'contact-ttl', type: 'duration', default: 3600, min: 1, max: 7 * 86400, unit: 's', help: 'A first contact is forgotten this long after it was made (then a new probe to it counts again).', advanced: true },
    { name: 'admission-slots', type: 'int', default: 65536, min: 16, max: 16_777_216, unit: 'sources', help: 'Sources with a single first contact so far, kept in typed arrays without a per-source state (a spoofed flood costs a hash and a few writes per packet); a source gets its state at its second first contact. Rounded up to a power of two; a record overwritten by another source is counted in scan.admission_overwritten.', advanced: true },
    { name: 'max-pending', type: 'int', default: 262_144, min: 16, max: 100_000_000, unit: 'probes', help: 'Unanswered first contacts waiting for their timeout; when full the oldest is dropped unresolved (scan.pending_dropped).', advanced: true },
    { name: 'probe-timeout', type: 'duration', default: 5, min: 0.01, max: 3600, unit: 's', help: 'A first contact without an answer after this long (packet time) is a failure. nmap waits up to 10 s by default.' },
    { name: 'udp-timeout-fails', type: 'bool', default: false, help: 'Count a UDP probe that got no answer at all as a failed first contact. Off: only ICMP port/host unreachable fails UDP (open UDP ports are silent, and P2P clients and games send to many silent peers); on: also catches UDP sweeps of filtered hosts.' },
    { name: 'min-concentration', type: 'int', default: 5, min: 2, max: 100_000, unit: 'pairs', help: 'Failed (or fingerprinted) first contacts must reach this many distinct ports on one host or hosts on one port before TRW, UDP or a tool fingerprint may name a scanner; also the pattern threshold. Keeps P2P clients (random host:port failures) quiet.' },
    { name: 'fanout-probes', type: 'int', default: 50, min: 0, max: 1_000_000, unit: 'contacts', help: 'SYN/UDP first contacts without any answer that name a source at once, when they fan out to --min-concentration ports on one host or hosts on one port and at most 1 in 20 of its first contacts was answered: scans behind a dropping firewall are named without waiting for --probe-timeout. 0: off.' },
    { name: 'fingerprint-min', type: 'int', default: 3, min: 1, max: 100_000, unit: 'probes', help: 'Probes matching a tool fingerprint (nmap, masscan, zmap) before the tool is named; at least half of the source\'s TCP probes must match too.' },
    { name: 'technique-min', type: 'int', default: 5, min: 1, max: 100_000, unit: 'contacts', help: 'First contacts of one probe kind before it is listed as a technique of the scan (the most used kind is always listed).' },
    { name: 'alert-update', type: 'duration', default: 30, min: 0.001, max: 86400, unit: 's', help: 'Least time between two update events of one scan (a new technique is reported at once).' },
    { name: 'alert-hold', type: 'duration', default: 1, min: 0, max: 60, unit: 's', help: 'A scan judged on SYNs from a full OS stack waits up to this long (packet time) for a completed handshake torn down without data before its start event, so the start can already say connect rather than syn. 0: never wait.' },
    { name: 'scan-idle', type: 'duration', default: 60, min: 0.001, max: 86400, unit: 's', help: 'A scan with no probe for this long ends (end event); a later scan from the same source gets a new id.' },
    { name: 'udp-ignore-ports', type: 'list', default: ['137', '138', '5353', '57621'], help: 'UDP destination ports that never count as probes: NetBIOS name/datagram, mDNS, Spotify discovery (PortScanDetector ignores 138, 5353, 57621).' },
    { name: 'per-source-cap', type: 'int', default: 1024, min: 16, max: 1_000_000, unit: 'keys', help: 'Hosts and ports tracked per source in each concentration map (bounds memory per source).', advanced: true },
  ],
  counters: counterList(SCAN_COUNTERS),
  alerts: [
    { id: 'scan.start', message: 'a source was judged a scanner' },
    { id: 'scan.update', message: 'a scan goes on (new technique, or every --alert-update)' },
    { id: 'scan.end', message: 'a scan ended (idle for --scan-idle, source evicted, or end of input)' },
  ],
  create(ctx: ModuleContext): ScanEngine {
    return createEngine(ctx);
  },
});

/** A new engine with its counters registered; called once per assembly. */
function createEngine(ctx: ModuleContext): ScanEngine {
  const p = ctx.params;
  const engine = new ScanEngine(
    {
      maxSources: num(p, 'max-sources'),
      sourceIdle: num(p, 'source-idle'),
      maxContacts: num(p, 'max-contacts'),
      contactTtl: num(p, 'contact-ttl'),
      maxPending: num(p, 'max-pending'),
      admissionSlots: num(p, 'admission-slots'),
      probeTimeout: num(p, 'probe-timeout'),
      udpTimeoutFails: bool(p, 'udp-timeout-fails'),
      ignore: CidrSet.parse(list(p, 'ignore'), '--ignore'),
      localNets: ctx.localNets,
      udpIgnorePorts: parsePorts(list(p, 'udp-ignore-ports'), '--udp-ignore-ports'),
      limits: { exactDistinct: 1024, concentrationCap: num(p, 'per-source-cap') },
      minConcentration: num(p, 'min-concentration'),
      fingerprintMin: num(p, 'fingerprint-min'),
      techniqueMin: num(p, 'technique-min'),
      alertUpdate: num(p, 'alert-update'),
      scanIdle: num(p, 'scan-idle'),
      fanoutProbes: num(p, 'fanout-probes'),
      alertHold: num(p, 'alert-hold'),
    },
    ctx.emit,
  );
  const t = engine.tracker;
  const a = engine.alerts;
  ctx.stats.bind(SCAN_COUNTERS, {
    sources: () => t.sources.size,
    sourcesMax: () => t.sources.highWater,
    sourcesEvicted: () => t.sources.evictions,
    sourcesExpired: () => t.sources.expired,
    contacts: () => t.contacts.size,
    contactsEvicted: () => t.contacts.evictions,
    contactsExpired: () => t.contacts.expired,
    admissionRecords: () => t.admission.records,
    admissionOverwritten: () => t.admission.overwritten,
    admissionTechnique: () => t.techniqueRecords,
    sourcesAdmitted: () => t.admission.admitted,
    pending: () => t.waiting,
    pendingAtEnd: () => t.resolvedAtEnd,
    pendingDropped: () => t.pending.dropped,
    packets: () => t.packets,
    probes: () => t.probes,
    firstContacts: () => t.firstContacts,
    successes: () => t.successes,
    failures: () => t.failures,
    failuresRst: () => t.rstFailures,
    failuresIcmp: () => t.icmpFailures,
    failuresTimeout: () => t.timeouts,
    udpUnanswered: () => t.udpUnanswered,
    replies: () => t.replies,
    flowsSkipped: () => t.done.skipped,
    orphanReplies: () => t.orphanReplies,
    teardowns: () => t.teardowns,
    ignoredSources: () => t.ignoredSrc,
    ignoredDestinations: () => t.ignoredDst,
    specialAddresses: () => t.special,
    udpPortIgnored: () => t.udpIgnored,
    eventsStart: () => a.starts,
    eventsUpdate: () => a.updates,
    eventsEnd: () => a.ends,
    active: () => a.activeScans,
  });
  return engine;
}

function parsePorts(items: readonly string[], option: string): number[] {
  return items.map((t) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SensorError('CFG_INVALID', `${option}: "${t}" is not a port number (0-65535)`);
    return n;
  });
}
