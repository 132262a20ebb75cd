import type { PacketView } from '../../decode/packet-view.js';
import type { AdmissionTable } from './admission.js';
import { SAMPLE_SIZE, type SourceState } from './source-state.js';

/*
 * Admission for technique probes (issue 9): the first ICMP request, SCTP
 * INIT/COOKIE ECHO or IP-protocol probe of a source with neither state nor
 * record is written to the source's admission slot, as a TCP/UDP first
 * contact is (admission.ts), and its part's own table keeps the contact. A
 * spoofed echo flood, one packet per source, then costs a hash and a few
 * typed-array writes instead of a SourceState created, cleared and evicted
 * per packet (measured in NOTES.md). The source gets its state at its next
 * probe of any kind, or when the target refuses the probe, and the record is
 * replayed into it: what TechniqueHook.probe() and the part would have
 * counted at the first probe (a new pair and a new kind, by construction).
 */

/** Write the technique probe into `slot` (just claimed for its source). */
export function recordTechnique(adm: AdmissionTable, slot: number, v: PacketView, dst: number, kind: number, key: number, port: number, ping: number): void {
  adm.tkind[slot] = kind;
  adm.tdst[slot] = dst;
  adm.tkey[slot] = key;
  adm.tport[slot] = port;
  adm.tping[slot] = ping;
  // No TCP/UDP contact in this record: a teardown or data lookup never matches it.
  adm.dst[slot] = -1;
  if (v.ipVersion === 6) adm.tdst6.set(v.dst6, 4 * slot);
}

/** True when `slot` holds `src`'s technique probe to (dst, key). */
export function holdsTechnique(adm: AdmissionTable, slot: number, dst: number, key: number): boolean {
  return slot >= 0 && adm.tkind[slot] !== 0 && adm.tdst[slot] === dst && adm.tkey[slot] === key;
}

/** Replay the record's technique probe into the new state `s` (TechniqueHook.probe with newPair and newKind). */
export function replayTechnique(adm: AdmissionTable, slot: number, s: SourceState): void {
  const kind = adm.tkind[slot];
  adm.tkind[slot] = 0;
  const t = adm.first[slot];
  const dst = adm.tdst[slot];
  const port = adm.tport[slot];
  const ping = adm.tping[slot];
  if (ping === 1) s.pingsEmpty++;
  else if (ping === 2) s.pingsData++;
  s.probes++;
  if (s.firstSeen === 0) s.firstSeen = t;
  s.lastProbe = t;
  s.kindCount[kind]++;
  s.pairs++;
  s.all.add(dst, adm.tkey[slot]);
  if (s.hosts.add(dst) && s.nSampleHosts < SAMPLE_SIZE) {
    const i = s.nSampleHosts++;
    if (s.v6) {
      s.sampleIsV6[i] = 1;
      for (let j = 0; j < 4; j++) s.sampleHost6[4 * i + j] = adm.tdst6[4 * slot + j];
    } else {
      s.sampleIsV6[i] = 0;
      s.sampleHost4[i] = dst;
    }
  }
  if (port >= 0 && s.ports.add(port) && s.nSamplePorts < SAMPLE_SIZE) s.samplePorts[s.nSamplePorts++] = port;
}
