import { formatScanEvent } from './alert-text.js';
import { ECS_VERSION } from './ecs-fields.js';
import { ecsScanRecord } from './scan-projection.js';
import { isoTime, type ScanEvent, type SensorRecord } from './schema.js';

/**
 * `--alerts-format ecs`: a scan event as an Elastic Common Schema document
 * (ECS 8.17.0, field list in ecs-fields.ts), derived from the one scan field
 * table (scan-fields.ts): the ECS fields SIEM rules and dashboards query, plus the whole
 * peng-ts record (the JSON Lines form) under `peng_ts.scan`. Records of kinds
 * this file does not know (added later) still become valid documents: ECS
 * base fields plus the record under `peng_ts.<kind>`.
 */
export interface EcsObserver {
  hostname: string;
  name: string;
  version: string;
}

type Doc = Record<string, unknown>;

/** MITRE ATT&CK: what a port scan is (technique pages cited in the README). */
const ATTACK = {
  framework: 'MITRE ATT&CK',
  tactic: {
    id: ['TA0043', 'TA0007'],
    name: ['Reconnaissance', 'Discovery'],
    reference: ['https://attack.mitre.org/tactics/TA0043/', 'https://attack.mitre.org/tactics/TA0007/'],
  },
  technique: {
    id: ['T1595', 'T1046'],
    name: ['Active Scanning', 'Network Service Discovery'],
    reference: ['https://attack.mitre.org/techniques/T1595/', 'https://attack.mitre.org/techniques/T1046/'],
    subtechnique: {
      id: ['T1595.001'],
      name: ['Scanning IP Blocks'],
      reference: ['https://attack.mitre.org/techniques/T1595/001/'],
    },
  },
} as const;

const SEVERITY: Record<string, number> = { start: 4, update: 5, end: 5 }; // syslog-like: warning, notice

function transports(techniques: readonly string[]): string[] {
  const t = new Set<string>();
  for (const x of techniques) t.add(x === 'udp' ? 'udp' : x === 'icmp' ? 'icmp' : 'tcp');
  return [...t];
}

function base(kind: string, ts: number, observer: EcsObserver): Doc {
  return {
    '@timestamp': Number.isFinite(ts) ? isoTime(ts) : undefined,
    ecs: { version: ECS_VERSION },
    observer: { hostname: observer.hostname, name: observer.name, type: 'ids', vendor: 'peng-ts', product: 'peng-ts', version: observer.version },
    event: { module: 'peng_ts', dataset: `peng_ts.${kind}`, provider: 'peng-ts' },
  };
}

export function ecsScanDocument(e: ScanEvent, observer: EcsObserver): Doc {
  const doc = base('scan', e.ts, observer);
  const technique = e.technique[0] ?? 'unknown';
  const record = ecsScanRecord(e);
  Object.assign(doc, {
    message: formatScanEvent(e),
    event: {
      ...(doc.event as Doc),
      kind: 'alert',
      category: ['network', 'intrusion_detection'],
      // start/end are network types; update has no ECS type of its own: info.
      type: e.event === 'start' || e.event === 'end' ? ['info', e.event] : ['info'],
      action: `port-scan-${e.event}`,
      id: `${e.id}-${e.event}-${Math.round(e.ts * 1000)}`,
      severity: SEVERITY[e.event] ?? 5,
      start: isoTime(e.firstSeen),
      end: isoTime(e.lastSeen),
      duration: Math.max(0, Math.round((e.lastSeen - e.firstSeen) * 1e9)),
      reason: `${e.detectors.map((d) => `${d.name} ${d.score}>=${d.threshold}`).join(', ') || 'no detector'}`,
    },
    source: { ip: e.scanner, address: e.scanner },
    destination: { ip: [...e.sampleTargets], port: [...e.samplePorts] },
    network: { transport: transports(e.technique), type: e.scanner.includes(':') ? 'ipv6' : 'ipv4' },
    related: { ip: [e.scanner, ...e.sampleTargets] },
    threat: ATTACK,
    rule: {
      id: `peng-ts.scan.${technique}`,
      name: `${e.technique.join('+') || 'port'} ${e.pattern} port scan`,
      category: 'Network scanning',
      ruleset: 'peng-ts',
      description: 'Port scan attributed to one source by peng-ts (TRW, stealth, slow, UDP detectors and scanner fingerprints)',
    },
    tags: ['port-scan', e.pattern, ...(e.tool === 'unknown' ? [] : [e.tool])],
    peng_ts: { scan: record },
  });
  return doc;
}

/** Any record (kinds other than frame and stats), as an ECS document; null for frames and stats. */
export function ecsDocument(r: SensorRecord | { kind: string; ts?: unknown }, observer: EcsObserver): Doc | null {
  if (r.kind === 'scan') return ecsScanDocument(r as ScanEvent, observer);
  if (r.kind === 'frame' || r.kind === 'stats') return null;
  const { kind, ...rest } = r as { kind: string } & Doc;
  const ts = typeof rest.ts === 'number' ? rest.ts : NaN;
  const doc = base(kind, ts, observer);
  const addr = typeof rest.scanner === 'string' ? rest.scanner : typeof rest.source === 'string' ? rest.source : '';
  const scanner = /^[0-9a-f.:]+$/i.test(addr) && /[.:]/.test(addr) ? addr : undefined; // ECS source.ip is an ip field
  Object.assign(doc, {
    event: { ...(doc.event as Doc), kind: 'alert', category: ['intrusion_detection'], type: ['info'], action: kind, severity: 5 },
    ...(scanner ? { source: { ip: scanner } } : {}),
    peng_ts: { [kind]: rest },
  });
  return doc;
}
