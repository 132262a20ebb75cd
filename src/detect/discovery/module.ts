import { defineDetector, type ModuleContext } from '../../config/module.js';
import { bool, num } from '../../config/params.js';
import { engineFor } from '../scan/module.js';
import { DiscoveryPart } from './detector.js';

/** Ping sweeps, SCTP scans and IP protocol scans. */
export const discoveryModule = defineDetector({
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
  counters: [
    { name: 'discovery.pings', kind: 'sum', help: 'ICMP echo/timestamp/mask and ICMPv6 echo requests counted as probes (first contacts and retries to hosts that never replied).' },
    { name: 'discovery.ping_repeats', kind: 'sum', help: 'Requests to a host that already replied to the same source: a poller\'s rounds, never probes.' },
    { name: 'discovery.ping_replies', kind: 'sum', help: 'Replies to counted requests (noted, never a success that clears a source).' },
    { name: 'discovery.nmap_sets', kind: 'sum', help: 'Hosts that got nmap\'s whole discovery set from one source (echo + timestamp + SYN 443 + ACK 80).' },
    { name: 'discovery.sctp_probes', kind: 'sum', help: 'SCTP INIT and association-less COOKIE ECHO packets counted as probes.' },
    { name: 'discovery.sctp_open', kind: 'sum', help: 'SCTP probes answered by INIT ACK (open).' },
    { name: 'discovery.sctp_closed', kind: 'sum', help: 'SCTP probes answered by ABORT or ICMP unreachable (closed).' },
    { name: 'discovery.proto_probes', kind: 'sum', help: 'First packets of an IP protocol (not TCP/UDP/ICMP/SCTP) from a source to a host.' },
    { name: 'discovery.proto_repeats', kind: 'sum', help: 'Further packets of a known (source, host, protocol): tunnel traffic, not probes.' },
    { name: 'discovery.proto_unreachable', kind: 'sum', help: 'Protocol probes answered by ICMP protocol unreachable or ICMPv6 parameter problem.' },
    { name: 'discovery.ping_scanners', kind: 'sum', help: 'Sources first judged scanners by a ping sweep.' },
    { name: 'discovery.sctp_scanners', kind: 'sum', help: 'Sources first judged scanners by SCTP probes.' },
    { name: 'discovery.proto_scanners', kind: 'sum', help: 'Sources first judged scanners by an IP protocol scan.' },
    { name: 'discovery.contacts', kind: 'now', help: 'Ping, SCTP and protocol first contacts remembered now (own table, apart from scan.contacts).' },
    { name: 'discovery.contacts_evicted', kind: 'sum', help: 'First contacts evicted to make room (--discovery-max-contacts reached).' },
    { name: 'discovery.skipped', kind: 'sum', help: 'ICMP/SCTP/other-protocol packets from or to special or --ignore addresses.' },
  ],
  alerts: [{ id: 'discovery.scanner', message: 'a ping sweep (--ping-min hosts), SCTP scan (--sctp-min) or IP protocol scan (--ipproto-min)' }],
  create(ctx: ModuleContext) {
    if (!bool(ctx.params, 'discovery')) return null;
    const p = ctx.params;
    const part = new DiscoveryPart({
      pingMin: num(p, 'ping-min'),
      sctpMin: num(p, 'sctp-min'),
      ipprotoMin: num(p, 'ipproto-min'),
      maxContacts: num(p, 'discovery-max-contacts'),
      contactTtl: num(p, 'discovery-contact-ttl'),
    });
    const hook = engineFor(ctx).addTechniquePart(part);
    part.hook = hook;
    ctx.stats.add(discoveryModule.counters, (out) => {
      out['discovery.pings'] = part.pings;
      out['discovery.ping_repeats'] = part.pingRepeats;
      out['discovery.ping_replies'] = part.pingReplies;
      out['discovery.nmap_sets'] = part.nmapSets;
      out['discovery.sctp_probes'] = part.sctpProbes;
      out['discovery.sctp_open'] = part.sctpOpen;
      out['discovery.sctp_closed'] = part.sctpClosed;
      out['discovery.proto_probes'] = part.protoProbes;
      out['discovery.proto_repeats'] = part.protoRepeats;
      out['discovery.proto_unreachable'] = part.unreachable;
      out['discovery.ping_scanners'] = part.pingScanners;
      out['discovery.sctp_scanners'] = part.sctpScanners;
      out['discovery.proto_scanners'] = part.protoScanners;
      out['discovery.contacts'] = part.table?.size ?? 0;
      out['discovery.contacts_evicted'] = part.table?.evictions ?? 0;
      out['discovery.skipped'] = hook.skipped;
    });
    return null; // runs inside the scan engine
  },
});
