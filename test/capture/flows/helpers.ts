/**
 * Flow-test helpers: the shared captures turned into flows the way an
 * exporter does (per direction 5-tuple, TCP flags OR'ed, packets and bytes
 * summed, first/last packet time), nProbe JSON lines built from them, and the
 * packet and flow pipelines run through the scan engine for comparison.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSource } from '../../../src/capture/file-source.js';
import type { CaptureSource } from '../../../src/capture/source.js';
import { ipv4ToString, ipv6ToString } from '../../../src/decode/address.js';
import { decode } from '../../../src/decode/decode.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../../src/decode/packet-view.js';
import { DecodeStatus } from '../../../src/decode/status.js';
import { createScanEngine } from '../../../src/assemble/scan-engine.js';
import { Pipeline } from '../../../src/pipeline.js';
import type { ScanEvent } from '../../../src/sink/schema.js';
import { waitFor } from '../../helpers/wait.js';

export { waitFor };

import { SHARED_CAPTURES as CAPTURES } from '../../helpers/cli.js';
export { rng } from '../../helpers/rng.js';

export { CAPTURES };

export interface TruthScanner {
  ip: string;
  technique: string;
  pattern: string;
  tool?: string;
}

export function truth(): Record<string, { scanners: TruthScanner[]; benign?: string[]; optional?: string[] }> {
  const t = JSON.parse(readFileSync(join(CAPTURES, 'truth.json'), 'utf8')) as Record<string, unknown>;
  delete t._comment;
  return t as Record<string, { scanners: TruthScanner[]; benign?: string[]; optional?: string[] }>;
}

export function capturePath(name: string): string {
  for (const ext of ['pcap', 'pcapng']) {
    const p = join(CAPTURES, `${name}.${ext}`);
    if (existsSync(p)) return p;
  }
  throw new Error(`no capture ${name}`);
}

export function haveCaptures(): boolean {
  return existsSync(join(CAPTURES, 'truth.json'));
}

export function haveSoftflowd(): boolean {
  return spawnSync('softflowd', ['-h'], { encoding: 'utf8' }).error === undefined;
}

/** One direction of one conversation, as an exporter aggregates it. */
export interface Flow {
  v6: boolean;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  flags: number;
  packets: number;
  bytes: number;
  first: number;
  last: number;
  /** ICMP type * 256 + code (ports are 0 then). */
  icmp: number;
}

/** Decode a capture and aggregate it into unidirectional flows, in order of first packet. */
export async function captureFlows(path: string): Promise<Flow[]> {
  const flows = new Map<string, Flow>();
  await new FileSource(path).run((v) => {
    if (decode(v) !== DecodeStatus.OK) return;
    if (v.ipVersion !== 4 && v.ipVersion !== 6) return;
    const v6 = v.ipVersion === 6;
    const src = v6 ? ipv6ToString(v.src6) : ipv4ToString(v.src4);
    const dst = v6 ? ipv6ToString(v.dst6) : ipv4ToString(v.dst4);
    const icmp = v.proto === IPPROTO_ICMP || v.proto === IPPROTO_ICMPV6;
    const ported = v.proto === IPPROTO_TCP || v.proto === IPPROTO_UDP;
    const sport = ported ? v.sport : 0;
    const dport = ported ? v.dport : 0;
    const tc = icmp ? v.icmpType * 256 + v.icmpCode : 0;
    const key = `${src}|${dst}|${v.proto}|${sport}|${dport}|${tc}`;
    let f = flows.get(key);
    if (f === undefined) {
      f = { v6, src, dst, proto: v.proto, sport, dport, flags: 0, packets: 0, bytes: 0, first: v.ts, last: v.ts, icmp: tc };
      flows.set(key, f);
    }
    if (v.proto === IPPROTO_TCP) f.flags |= v.tcpFlags & 0xff;
    f.packets++;
    f.bytes += v.wirelen;
    f.last = Math.max(f.last, v.ts);
  });
  return [...flows.values()];
}

export type NprobeStyle = 'labels' | 'ids' | 'portscandetector';

/**
 * A flow as nProbe's JSON: with --json-labels (`labels`), with numeric keys
 * (`ids`, nProbe's default) and numbers as strings, or PortScanDetector's
 * template only (no times). Every line carries a non-ASCII field so that
 * UTF-8 characters get split across reads.
 */
export function nprobeLine(f: Flow, style: NprobeStyle): string {
  const o: Record<string, unknown> = {};
  const put = (label: string, id: number, value: unknown) => {
    if (style === 'ids') o[String(id)] = typeof value === 'number' ? String(value) : value;
    else o[label] = value;
  };
  put(f.v6 ? 'IPV6_SRC_ADDR' : 'IPV4_SRC_ADDR', f.v6 ? 27 : 8, f.src);
  put(f.v6 ? 'IPV6_DST_ADDR' : 'IPV4_DST_ADDR', f.v6 ? 28 : 12, f.dst);
  put('PROTOCOL', 4, f.proto);
  put('L4_SRC_PORT', 7, f.sport);
  // ICMP type/code: its own field, or NetFlow's convention (type * 256 + code in the destination port).
  if (f.icmp !== 0 && style !== 'portscandetector') put('ICMP_TYPE', 32, f.icmp);
  put('L4_DST_PORT', 11, f.icmp !== 0 && style === 'portscandetector' ? f.icmp : f.dport);
  put('TCP_FLAGS', 6, f.flags);
  put('IN_PKTS', 2, f.packets);
  if (style !== 'portscandetector') {
    put('IN_BYTES', 1, f.bytes);
    put('FLOW_START_MILLISECONDS', 152, Math.round(f.first * 1000));
    put('FLOW_END_MILLISECONDS', 153, Math.round(f.last * 1000));
  }
  o.APPLICATION_NAME = 'Ünïcødé ✓ 🙂';
  return JSON.stringify(o);
}

export interface NamedScan {
  scanner: string;
  technique: string[];
  pattern: string;
  tool: string;
}

/** The scans a run ended with, one per scanner (the last end event). */
export function scansOf(events: ScanEvent[]): Map<string, NamedScan> {
  const out = new Map<string, NamedScan>();
  for (const e of events) {
    if (e.event === 'end') out.set(e.scanner, { scanner: e.scanner, technique: [...e.technique].sort(), pattern: e.pattern, tool: e.tool });
  }
  return out;
}

/** The capture replayed as packets through the scan engine. */
export async function packetScans(path: string, params?: Record<string, unknown>): Promise<Map<string, NamedScan>> {
  const events: ScanEvent[] = [];
  const { engine, stats } = createScanEngine({ onEvent: (e) => events.push(e), params });
  const p = new Pipeline([engine], stats);
  await new FileSource(path).run(p.onPacket);
  p.flush();
  return scansOf(events);
}

/** A flow source run through the scan engine while `feed` sends it flows; stops when feed resolves. */
export async function flowScans(
  source: CaptureSource & { port: number },
  feed: (port: number) => Promise<void>,
  params?: Record<string, unknown>,
): Promise<Map<string, NamedScan>> {
  const events: ScanEvent[] = [];
  const { engine, stats } = createScanEngine({ onEvent: (e) => events.push(e), params });
  const p = new Pipeline([engine], stats);
  const run = source.run(p.onDecoded);
  await waitFor('the nProbe source to listen', () => source.port !== 0, 60_000);
  await feed(source.port);
  source.stop();
  await run;
  p.flush();
  return scansOf(events);
}

/** Flow techniques compare with packet ones but for what flows cannot show (see docs/flows.md). */
export function flowTechnique(t: string): string {
  return t === 'connect' ? 'syn' : t;
}

