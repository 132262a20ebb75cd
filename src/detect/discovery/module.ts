import type { ModuleContext } from '../../module.js';
import { bool, num } from '../../config/params.js';
import type { ScanEngine } from '../scan/engine.js';
import { defineScanPart } from '../scan/part-module.js';
import { DiscoveryPart } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const DISCOVERY_COUNTERS = {
  pings: { name: 'discovery.pings', kind: 'sum', help: 'ICMP echo/timestamp/mask and ICMPv6 echo requests counted as probes (first contacts and retries to hosts that never replied).' },
  pingRepeats: { name: 'discovery.ping_repeats', kind: 'sum', help: 'Requests to a host that already replied to the same source: a poller\'s rounds, never probes.' },
  pingReplies: { name: 'discovery.ping_replies', kind: 'sum', help: 'Replies to counted requests (noted, never a success that clears a source).' },
  nmapSets: { name: 'discovery.nmap_sets', kind: 'sum', help: 'Hosts that got nmap\'s whole discovery set from one source (echo + timestamp + SYN 443 + ACK 80).' },
  sctpProbes: { name: 'discovery.sctp_probes', kind: 'sum', help: 'SCTP INIT and association-less COOKIE ECHO packets counted as probes.' },
  sctpOpen: { name: 'discovery.sctp_open', kind: 'sum', help: 'SCTP probes answered by INIT ACK (open).' },
  sctpClosed: { name: 'discovery.sctp_closed', kind: 'sum', help: 'SCTP probes answered by ABORT or ICMP unreachable (closed).' },
  protoProbes: { name: 'discovery.proto_probes', kind: 'sum', help: 'First packets of an IP protocol (not TCP/UDP/ICMP/SCTP) from a source to a host.' },
  protoRepeats: { name: 'discovery.proto_repeats', kind: 'sum', help: 'Further packets of a known (source, host, protocol): tunnel traffic, not probes.' },
  protoUnreachable: { name: 'discovery.proto_unreachable', kind: 'sum', help: 'Protocol probes answered by ICMP protocol unreachable or ICMPv6 parameter problem.' },
  pingScanners: { name: 'discovery.ping_scanners', kind: 'sum', help: 'Sources first judged scanners by a ping sweep.' },
  sctpScanners: { name: 'discovery.sctp_scanners', kind: 'sum', help: 'Sources first judged scanners by SCTP probes.' },
  protoScanners: { name: 'discovery.proto_scanners', kind: 'sum', help: 'Sources first judged scanners by an IP protocol scan.' },
  contacts: { name: 'discovery.contacts', kind: 'now', help: 'Ping, SCTP and protocol first contacts remembered now (own table, apart from scan.contacts).' },
  contactsEvicted: { name: 'discovery.contacts_evicted', kind: 'sum', help: 'First contacts evicted to make room (--discovery-max-contacts reached).' },
  skipped: { name: 'discovery.skipped', kind: 'sum', help: 'ICMP/SCTP/other-protocol packets from or to special or --ignore addresses.' },
} as const satisfies CounterTable;

/** Ping sweeps, SCTP scans and IP protocol scans. */
export const discoveryModule = defineScanPart({
  name: 'discovery',
  help: 'Host discovery and other transports: ICMP/ICMPv6 ping sweeps (nmap -sn/-PE/-PP/-PM, fping), SCTP INIT and COOKIE ECHO scans (nmap -sY/-sZ), IP protocol scans (nmap -sO).',
  params: [
    { name: 'discovery', type: 'bool', default: true, help: 'Run the discovery detector (--no-discovery to leave it out).' },
    { name: 'ping-min', type: 'int', default: 8, min: 2, max: 100_000, unit: 'hosts', help: 'Distinct hosts one source sends ICMP echo/timestamp/mask requests to that name a ping sweep, answered or not. A monitor pinging fewer hosts is never named; its later rounds to hosts that replied are repeats, not probes.' },
    { name: 'sctp-min', type: 'int', default: 5, min: 1, max: 100_000, unit: 'contacts', help: 'SCTP INIT (not answered by INIT ACK) and association-less COOKIE ECHO first contacts that name an SCTP scan.' },
    { name: 'ipproto-min', type: 'int', default: 6, min: 2, max: 255, unit: 'protocols', help: 'Distinct IP protocol numbers other than TCP, UDP, ICMP and SCTP one source sends that name a protocol scan (a tunnel endpoint uses one or two: GRE, ESP, AH).' },
    { name: 'discovery-max-contacts', type: 'int', default: 65_536, min: 16, max: 100_000_000, unit: 'contacts', help: 'First contacts (source, host, ping/SCTP port/protocol) remembered, oldest out first (discovery.contacts_evicted); about 40 bytes each, allocated at the first ping, SCTP or other-protocol packet (64k: 2.5 MB).', advanced: true },
    { name: 'discovery-contact-ttl', type: 'duration', default: 3600, min: 1, max: 7 * 86400, unit: 's', help: 'A first contact is forgotten this long after it was made (a poller\'s repeats keep theirs).', advanced: true },
  ],
  counters: counterList(DISCOVERY_COUNTERS),
  alerts: [{ id: 'discovery.scanner', message: 'a ping sweep (--ping-min hosts), SCTP scan (--sctp-min) or IP protocol scan (--ipproto-min)' }],
  attach(ctx: ModuleContext, engine: ScanEngine) {
    if (!bool(ctx.params, 'discovery')) return null;
    const p = ctx.params;
    const part = new DiscoveryPart({
      pingMin: num(p, 'ping-min'),
      sctpMin: num(p, 'sctp-min'),
      ipprotoMin: num(p, 'ipproto-min'),
      maxContacts: num(p, 'discovery-max-contacts'),
      contactTtl: num(p, 'discovery-contact-ttl'),
    });
    const hook = engine.addTechniquePart(part);
    part.hook = hook;
    ctx.stats.bind(DISCOVERY_COUNTERS, {
      pings: () => part.pings,
      pingRepeats: () => part.pingRepeats,
      pingReplies: () => part.pingReplies,
      nmapSets: () => part.nmapSets,
      sctpProbes: () => part.sctpProbes,
      sctpOpen: () => part.sctpOpen,
      sctpClosed: () => part.sctpClosed,
      protoProbes: () => part.protoProbes,
      protoRepeats: () => part.protoRepeats,
      protoUnreachable: () => part.unreachable,
      pingScanners: () => part.pingScanners,
      sctpScanners: () => part.sctpScanners,
      protoScanners: () => part.protoScanners,
      contacts: () => part.table?.size ?? 0,
      contactsEvicted: () => part.table?.evictions ?? 0,
      skipped: () => hook.skipped,
    });
    return null; // runs inside the scan engine
  },
});
