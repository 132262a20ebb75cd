/**
 * Detection table (`npm run bench` runs this when present; alone:
 * `node --import tsx bench/detect/detection.bench.ts`). Figures, no assertions.
 *
 * 1. The recorded lab scenarios of test/scenarios/catalog.ts (real nmap,
 *    masscan, zmap against network namespaces, benign traffic alongside),
 *    recorded once into a cache dir and reused: PENG_BENCH_RERECORD=1 records
 *    again. Recording needs root and the tools; without them only what the
 *    cache holds is replayed.
 * 2. Every capture in ../shared/captures that truth.json describes.
 *
 * Per scanner: detected or not, technique/pattern/tool reported, probes seen
 * before the start event, and seconds from its first probe (first_seen) to the
 * start event (ts). Per benign source: the number of scans it was named in
 * (must be 0). Goal: every scanner named within 10 probes, no false alert.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_CAPTURES } from '../../test/helpers/cli.js';
import { BENIGN4, BENIGN6, labUnavailable, ScanLab, which, type ScanEventRecord } from '../../test/helpers/scan-lab.js';
import { alertsOptionMissing, LAB_VICTIMS, replayEvents, runScenario, SCENARIOS } from '../../test/scenarios/catalog.js';

const CACHE = process.env.PENG_BENCH_CACHE ?? '/tmp/peng-detect-bench-cache';
const GOAL_PROBES = 10;

interface Meta {
  slug: string;
  command: string;
  recordedAt: string;
  packets: number;
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

async function recordMissing(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  const rerecord = process.env.PENG_BENCH_RERECORD === '1';
  const todo = SCENARIOS.filter((s) => rerecord || !existsSync(join(CACHE, `${s.slug}.json`)) || !existsSync(join(CACHE, `${s.slug}.pcap`)));
  if (todo.length === 0) return;
  const why = labUnavailable();
  if (why) {
    notes.push(`lab scenarios not recorded: ${why}`);
    return;
  }
  const lab = await ScanLab.create();
  try {
    for (const s of todo) {
      if (!which(s.binary)) {
        notes.push(`${s.slug}: ${s.binary} not installed, not recorded`);
        continue;
      }
      process.stderr.write(`recording ${s.slug}...\n`);
      const run = await runScenario(lab, s, CACHE, { live: false });
      if (run.scan.code !== 0) notes.push(`${s.slug}: scanner exited ${run.scan.code}: ${run.scan.stderr.trim().slice(-300)}`);
      // The command with this run's interface and MAC, for the record.
      const meta: Meta = { slug: s.slug, command: run.command, recordedAt: new Date().toISOString(), packets: run.recorded.captured };
      writeFileSync(join(CACHE, `${s.slug}.json`), JSON.stringify(meta, null, 2) + '\n');
    }
  } finally {
    await lab.destroy();
  }
}

function labScenarios(): void {
  for (const s of SCENARIOS) {
    const pcap = join(CACHE, `${s.slug}.pcap`);
    const metaPath = join(CACHE, `${s.slug}.json`);
    if (!existsSync(pcap) || !existsSync(metaPath)) continue;
    const r = replayEvents(pcap);
    if (r.code !== 0) {
      notes.push(`${s.slug}: replay exited ${r.code}: ${r.stderr.trim().slice(-300)}`);
      continue;
    }
    rows.push(judge(`lab ${s.slug}`, r.events, s.scanner, { technique: s.technique[0]!, pattern: s.pattern, tool: s.tool, only: true }));
    const benign = [BENIGN4, ...(s.ipv6 ? [BENIGN6] : [])];
    for (const b of benign) benignRows.push({ where: `lab ${s.slug}`, source: b, alerts: benignCount(r.events, b) });
    const others = [...new Set(r.events.map((e) => e.scanner))].filter((ip) => ip !== s.scanner);
    const victims = others.filter((ip) => LAB_VICTIMS.includes(ip));
    benignRows.push({ where: `lab ${s.slug}`, source: 'victims (10.77.0.100-123, fd77::100)', alerts: victims.reduce((n, ip) => n + benignCount(r.events, ip), 0) });
    for (const ip of others.filter((ip) => !victims.includes(ip) && ip !== BENIGN4 && ip !== BENIGN6)) {
      benignRows.push({ where: `lab ${s.slug}`, source: `${ip} (unexpected)`, alerts: benignCount(r.events, ip) });
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
  console.log(`Lab captures cached in ${CACHE} (PENG_BENCH_RERECORD=1 records again); public ones from shared/captures with truth.json.`);
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
  await recordMissing();
  labScenarios();
  publicCaptures();
  printTables();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
