/**
 * Detection table (`npm run bench` runs this when present; alone:
 * `node --import tsx bench/detect/detection.bench.ts`). Figures, no assertions.
 *
 * 1. The lab scenarios (real nmap, masscan, zmap against network namespaces,
 *    benign traffic alongside), as recorded into the cache dir by
 *    test/scenarios/record-bench-cache.ts (needs root: see there); each
 *    <slug>.json says what its replay is judged against.
 * 2. Every capture in ../shared/captures that truth.json describes.
 *
 * Per scanner: detected or not, technique/pattern/tool reported, probes seen
 * before the start event, and seconds from its first probe (first_seen) to the
 * start event (ts). Per benign source: the number of scans it was named in
 * (must be 0). Goal: every scanner named within 10 probes, no false alert.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertRecord } from '../../src/sink/jsonl.js';
import { REPO, SHARED_CAPTURES } from '../paths.js';
import type { BenchMeta as Meta } from './bench-meta.js';
const CACHE = process.env.PENG_BENCH_CACHE ?? '/tmp/peng-detect-bench-cache';
const GOAL_PROBES = 10;

/** The fields of a scan event the table reads, times in seconds. */
interface ScanEventRecord {
  ts: number;
  event: AlertRecord['event'];
  id: string;
  scanner: string;
  technique: string[];
  pattern: string;
  tool: string;
  probesToDetect: number;
  firstSeen: number;
}

/** The sensor, from the sources (as `npm run bench` measures them). */
function sensor(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/main.ts'), ...args], { cwd: REPO, env: { ...process.env, TZ: 'UTC' }, encoding: 'utf8', maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Replay a capture: its scan events (the JSON Lines of --alerts -). */
function replayEvents(pcap: string, localNets: string | null): { events: ScanEventRecord[]; code: number | null; stderr: string } {
  const r = sensor(['-r', pcap, '--alerts', '-', '-v', '0', ...(localNets ? ['--local-net', localNets] : [])]);
  const events: ScanEventRecord[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const a = JSON.parse(line) as AlertRecord;
    if (typeof a.event !== 'string' || a.scanner === undefined) continue;
    const technique = Array.isArray(a.technique) ? a.technique : a.technique ? [a.technique] : [];
    events.push({ ts: Date.parse(a.ts) / 1000, event: a.event, id: a.id, scanner: a.scanner, technique, pattern: a.pattern, tool: a.tool, probesToDetect: a.probes_to_detect, firstSeen: Date.parse(a.first_seen) / 1000 });
  }
  return { events, code: r.code, stderr: r.stderr };
}

/** Does the sensor's CLI have the --alerts option (the scan detectors are merged)? */
function alertsOptionMissing(): string | null {
  const r = sensor(['--help-config']);
  if (r.code !== 0) return `the sensor's --help-config failed: ${r.stderr.trim()}`;
  return /(^|\s)--alerts\b/m.test(r.stdout) ? null : 'the CLI has no --alerts option yet (scan detectors not merged)';
}

interface Row {
  where: string;
  scanner: string;
  expected: string;
  detected: boolean;
  technique: string;
  pattern: string;
  tool: string;
  probesToDetect: number | null;
  secondsToStart: number | null;
  /** What differs from the expectation (empty: all as expected). */
  wrong: string[];
}

interface BenignRow {
  where: string;
  source: string;
  alerts: number;
}

const rows: Row[] = [];
const benignRows: BenignRow[] = [];
const notes: string[] = [];

/** The scans (by id) of one source: first and last event of each. */
function scansOf(events: ScanEventRecord[], source: string): { start: ScanEventRecord | undefined; last: ScanEventRecord; all: ScanEventRecord[] }[] {
  const byId = new Map<string, ScanEventRecord[]>();
  for (const e of events) {
    if (e.scanner !== source) continue;
    byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
  }
  return [...byId.values()].map((all) => ({ start: all.find((e) => e.event === 'start'), last: all[all.length - 1]!, all }));
}

/**
 * One row for (source, expected technique): the source's scan that lists the
 * technique (else its first scan), with what was reported.
 */
function judge(where: string, events: ScanEventRecord[], ip: string, want: { technique: string; pattern?: string; tool?: string | null; only: boolean }): Row {
  const scans = scansOf(events, ip);
  const scan = scans.find((s) => s.all.some((e) => e.technique.includes(want.technique))) ?? scans[0];
  const expected = [want.technique, want.pattern, want.tool].filter(Boolean).join(' ');
  if (!scan || !scan.start) {
    return { where, scanner: ip, expected, detected: false, technique: '', pattern: '', tool: '', probesToDetect: null, secondsToStart: null, wrong: ['not named'] };
  }
  const { start, last } = scan;
  const techStart = start.technique.join(',');
  const techEnd = last.technique.join(',');
  const wrong: string[] = [];
  if (!last.technique.includes(want.technique)) wrong.push(`technique ${techEnd}`);
  // A source with one technique must be named with it at once; later phases of a multi-technique source come as updates.
  else if (want.only && start.technique[0] !== want.technique) wrong.push(`start said ${techStart}`);
  if (want.pattern && last.pattern !== want.pattern) wrong.push(`pattern ${last.pattern}`);
  if (want.tool && last.tool !== want.tool) wrong.push(`tool ${last.tool}`);
  if (start.probesToDetect > GOAL_PROBES) wrong.push(`> ${GOAL_PROBES} probes`);
  if (scans.length > 1) wrong.push(`${scans.length} scans`);
  return {
    where,
    scanner: ip,
    expected,
    detected: true,
    technique: techStart === techEnd ? techEnd : `${techStart} → ${techEnd}`,
    pattern: last.pattern,
    tool: last.tool,
    probesToDetect: start.probesToDetect,
    secondsToStart: start.ts - start.firstSeen,
    wrong,
  };
}

function benignCount(events: ScanEventRecord[], source: string): number {
  return new Set(events.filter((e) => e.scanner === source).map((e) => e.id)).size;
}

// ---------------------------------------------------------------------------
// 1. Lab scenarios

function labScenarios(): void {
  const metas = existsSync(CACHE) ? readdirSync(CACHE).filter((f) => f.endsWith('.json')).sort() : [];
  if (metas.length === 0) notes.push(`no lab recordings in ${CACHE}: record them with test/scenarios/record-bench-cache.ts (root)`);
  for (const f of metas) {
    const m = JSON.parse(readFileSync(join(CACHE, f), 'utf8')) as Partial<Meta>;
    const pcap = join(CACHE, `${m.slug}.pcap`);
    if (!existsSync(pcap)) continue;
    if (!m.scanner || !m.technique || !m.benign || !m.victims) {
      notes.push(`${f}: recorded by an older bench (no expectations): PENG_BENCH_RERECORD=1 test/scenarios/record-bench-cache.ts`);
      continue;
    }
    const r = replayEvents(pcap, m.localNets ?? null);
    if (r.code !== 0) {
      notes.push(`${m.slug}: replay exited ${r.code}: ${r.stderr.trim().slice(-300)}`);
      continue;
    }
    const where = `lab ${m.slug}`;
    rows.push(judge(where, r.events, m.scanner, { technique: m.technique, pattern: m.pattern, tool: m.tool, only: true }));
    for (const b of m.benign) benignRows.push({ where, source: b, alerts: benignCount(r.events, b) });
    const others = [...new Set(r.events.map((e) => e.scanner))].filter((ip) => ip !== m.scanner);
    const victims = others.filter((ip) => m.victims!.includes(ip));
    benignRows.push({ where, source: 'victims (10.77.0.100-123, fd77::100)', alerts: victims.reduce((n, ip) => n + benignCount(r.events, ip), 0) });
    for (const ip of others.filter((ip) => !victims.includes(ip) && !m.benign!.includes(ip))) {
      benignRows.push({ where, source: `${ip} (unexpected)`, alerts: benignCount(r.events, ip) });
    }
  }
}

// ---------------------------------------------------------------------------
// 2. Public captures with truth.json

interface Truth {
  scanners: { ip: string; technique: string; pattern?: string; tool?: string }[];
  benign?: string[];
  optional?: string[];
}

/** --local-net for a public capture: the /24 of each IPv4 victim in MANIFEST.tsv. */
function localNetsOf(file: string): string | null {
  const manifest = join(SHARED_CAPTURES, 'MANIFEST.tsv');
  if (!existsSync(manifest)) return null;
  const lines = readFileSync(manifest, 'utf8').split('\n');
  const header = lines[0]!.split('\t');
  const fileCol = header.indexOf('file');
  const victimCol = header.indexOf('victims');
  if (fileCol < 0 || victimCol < 0) return null;
  const line = lines.find((l) => l.split('\t')[fileCol] === file);
  if (!line) return null;
  const nets = new Set<string>();
  for (const m of (line.split('\t')[victimCol] ?? '').matchAll(/\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}\b/g)) nets.add(`${m[1]}.${m[2]}.${m[3]}.0/24`);
  return nets.size ? [...nets].join(',') : null;
}

function publicCaptures(): void {
  const truthPath = join(SHARED_CAPTURES, 'truth.json');
  if (!existsSync(truthPath)) {
    notes.push(`no ${truthPath}: public captures skipped`);
    return;
  }
  const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as Record<string, Truth | string>;
  const files = readdirSync(SHARED_CAPTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
  for (const file of files) {
    const name = file.replace(/\.(pcap|pcapng)$/, '');
    const t = truth[name];
    if (!t || typeof t === 'string') continue;
    const r = replayEvents(join(SHARED_CAPTURES, file), localNetsOf(file));
    if (r.code !== 0 && r.code !== 2) {
      notes.push(`${file}: replay exited ${r.code}: ${r.stderr.trim().slice(-300)}`);
      continue;
    }
    for (const sc of t.scanners) {
      const only = t.scanners.filter((x) => x.ip === sc.ip).length === 1;
      rows.push(judge(name, r.events, sc.ip, { technique: sc.technique, pattern: sc.pattern, tool: sc.tool, only }));
    }
    for (const b of t.benign ?? []) benignRows.push({ where: name, source: b, alerts: benignCount(r.events, b) });
    const known = new Set([...t.scanners.map((s) => s.ip), ...(t.benign ?? []), ...(t.optional ?? [])]);
    const others = [...new Set(r.events.map((e) => e.scanner))].filter((ip) => !known.has(ip));
    for (const ip of others) benignRows.push({ where: name, source: `${ip} (not in truth: false alert)`, alerts: benignCount(r.events, ip) });
    const optionalNamed = (t.optional ?? []).filter((ip) => benignCount(r.events, ip) > 0);
    if (t.optional?.length) notes.push(`${name}: ${optionalNamed.length} of ${t.optional.length} optional background probers named`);
  }
}

// ---------------------------------------------------------------------------

function printTables(): void {
  const cell = (v: string | number | null) => (v === null ? '–' : String(v));
  console.log('\n## Detection: scanners (replay of each capture with --alerts)');
  console.log(`Lab captures cached in ${CACHE} (test/scenarios/record-bench-cache.ts records them); public ones from shared/captures with truth.json.`);
  console.log('| scenario / capture | scanner | expected | detected | technique reported | pattern | tool | probes_to_detect | s first probe → start | as expected |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.where} | ${r.scanner} | ${r.expected} | ${r.detected ? 'yes' : 'no'} | ${r.technique || '–'} | ${r.pattern || '–'} | ${r.tool || '–'} | ${cell(r.probesToDetect)} | ${r.secondsToStart === null ? '–' : r.secondsToStart.toFixed(3)} | ${r.wrong.length ? `no: ${r.wrong.join('; ')}` : 'yes'} |`,
    );
  }
  console.log('\n## Detection: benign sources (alerts must be 0)');
  console.log('| scenario / capture | source | alerts (scans named) |');
  console.log('|---|---|---|');
  for (const b of benignRows) console.log(`| ${b.where} | ${b.source} | ${b.alerts} |`);
  const named = rows.filter((r) => r.detected).length;
  const fast = rows.filter((r) => r.detected && r.probesToDetect !== null && r.probesToDetect <= GOAL_PROBES).length;
  const right = rows.filter((r) => r.wrong.length === 0).length;
  const falseAlerts = benignRows.reduce((n, b) => n + b.alerts, 0);
  console.log(`\nscanners named: ${named}/${rows.length}; within ${GOAL_PROBES} probes: ${fast}/${rows.length}; all as expected: ${right}/${rows.length}; false alerts: ${falseAlerts}`);
  for (const n of notes) console.log(`note: ${n}`);
}

async function main(): Promise<void> {
  const missing = alertsOptionMissing();
  if (missing) {
    console.log(`\n## Detection table\nskipped: ${missing}`);
    return;
  }
  labScenarios();
  publicCaptures();
  printTables();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
