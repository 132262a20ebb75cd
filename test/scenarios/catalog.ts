/**
 * The recorded scanner scenarios, shared by test/scenarios/scanners.test.ts
 * and bench/detect/detection.bench.ts: one real scanner run each, with benign
 * traffic before and during it, recorded with tcpdump on the victim veth and
 * (optionally) watched live by the sensor in the victim namespace.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../helpers/cli.js';
import {
  BENIGN4,
  BENIGN6,
  LOCAL_NETS,
  readScanEvents,
  parseScanEvents,
  SCANNER4,
  SCANNER6,
  VICTIM6,
  VICTIMS4,
  type BenignStats,
  type ExecResult,
  type ScanEventRecord,
  type ScanLab,
} from '../helpers/scan-lab.js';

export interface Scenario {
  /** Short name used for files and test titles, e.g. `nmap-sS`. */
  slug: string;
  /** Binary that must be installed. */
  binary: 'nmap' | 'masscan' | 'zmap';
  /** Argument vector run in the scanner namespace. */
  argv(lab: ScanLab): string[];
  /** The address that must be named. */
  scanner: string;
  /** Techniques the scan must be reported with, the main one first. */
  technique: string[];
  pattern: 'vertical' | 'horizontal' | 'block';
  /** Tool that must be named; null where no fingerprint applies (then it must not be masscan or zmap). */
  tool: 'nmap' | 'masscan' | 'zmap' | null;
  /** Distinct hosts and ports the scanner probes (checked on the replay's end event). */
  targets: number;
  ports: number;
  /** Benign traffic during the scan, seconds (also the upper bound of the scan's own duration we expect). */
  duringSeconds: number;
  /** Also send IPv6 benign traffic. */
  ipv6?: boolean;
}

const nmap = (lab: ScanLab, ...rest: string[]) => ['nmap', '-n', '-Pn', '--max-retries', '1', '-e', lab.scannerIf, ...rest];
const nmap4 = (technique: string, lab: ScanLab) => nmap(lab, technique, '-T4', '-S', SCANNER4, '-p', '1-300', VICTIMS4[0]!);

const vertical = (slug: string, flag: string, technique: string, tool: Scenario['tool']): Scenario => ({
  slug,
  binary: 'nmap',
  argv: (lab) => nmap4(flag, lab),
  scanner: SCANNER4,
  technique: [technique],
  pattern: 'vertical',
  tool,
  targets: 1,
  ports: 300,
  duringSeconds: 3,
});

export const SCENARIOS: readonly Scenario[] = [
  vertical('nmap-sS', '-sS', 'syn', 'nmap'),
  // Connect scan: the kernel's own SYNs (OS options), no tool fingerprint.
  vertical('nmap-sT', '-sT', 'connect', null),
  vertical('nmap-sF', '-sF', 'fin', 'nmap'),
  vertical('nmap-sN', '-sN', 'null', 'nmap'),
  vertical('nmap-sX', '-sX', 'xmas', 'nmap'),
  vertical('nmap-sA', '-sA', 'ack', 'nmap'),
  vertical('nmap-sM', '-sM', 'maimon', 'nmap'),
  // UDP: nmap's UDP probes carry no tool mark (the UDP fingerprints are zmap's and masscan's), so no tool is required.
  vertical('nmap-sU', '-sU', 'udp', null),
  {
    slug: 'nmap-sweep',
    binary: 'nmap',
    argv: (lab) => nmap(lab, '-sS', '-T4', '-S', SCANNER4, '-p', '22,443,8080', `${VICTIMS4[0]}-${VICTIMS4[VICTIMS4.length - 1]!.split('.')[3]}`),
    scanner: SCANNER4,
    technique: ['syn'],
    pattern: 'horizontal',
    tool: 'nmap',
    targets: VICTIMS4.length,
    ports: 3,
    duringSeconds: 3,
  },
  {
    slug: 'nmap-6-sS',
    binary: 'nmap',
    argv: (lab) => nmap(lab, '-6', '-sS', '-T4', '-S', SCANNER6, '-p', '1-300', VICTIM6),
    scanner: SCANNER6,
    technique: ['syn'],
    pattern: 'vertical',
    tool: 'nmap',
    targets: 1,
    ports: 300,
    duringSeconds: 3,
    ipv6: true,
  },
  {
    // One probe a second (nmap's default timing otherwise): 20 probes over about 20 s.
    slug: 'nmap-slow',
    binary: 'nmap',
    argv: (lab) => nmap(lab, '-sS', '--scan-delay', '1s', '-S', SCANNER4, '-p', '15-34', VICTIMS4[0]!),
    scanner: SCANNER4,
    technique: ['syn'],
    pattern: 'vertical',
    tool: 'nmap',
    targets: 1,
    ports: 20,
    duringSeconds: 21,
  },
  {
    slug: 'masscan',
    binary: 'masscan',
    argv: (lab) => ['masscan', VICTIMS4[0]!, '-p1-300', '--rate', '1000', '--wait', '1', '-e', lab.scannerIf, '--adapter-ip', SCANNER4, '--router-mac', lab.victimMac],
    scanner: SCANNER4,
    technique: ['syn'],
    pattern: 'vertical',
    tool: 'masscan',
    targets: 1,
    ports: 300,
    duringSeconds: 3,
  },
  {
    // 10.77.0.96/27: the 24 victims plus 8 addresses nobody answers for.
    slug: 'zmap',
    binary: 'zmap',
    argv: (lab) => ['zmap', '-p', '8080', '-i', lab.scannerIf, '-S', SCANNER4, '-G', lab.victimMac, `--blacklist-file=${join(lab.dir, 'empty-blocklist.txt')}`, '-r', '1000', '-c', '1', '-q', '10.77.0.96/27'],
    scanner: SCANNER4,
    technique: ['syn'],
    pattern: 'horizontal',
    tool: 'zmap',
    targets: 32,
    ports: 1,
    duringSeconds: 3,
  },
];

/** Everything in the lab that must never be named. */
export const LAB_BENIGN: readonly string[] = [BENIGN4, BENIGN6];
export const LAB_VICTIMS: readonly string[] = [...VICTIMS4, VICTIM6];

export function commandText(s: Scenario, lab: ScanLab): string {
  return s.argv(lab).join(' ');
}

export interface ScenarioRun {
  scenario: Scenario;
  pcap: string;
  command: string;
  scan: ExecResult;
  benign: BenignStats[];
  /** tcpdump's closing counts. */
  recorded: { captured: number; droppedByKernel: number };
  /** Live sensor: its events, exit code, stderr and how long it took to exit after SIGINT. */
  live: { events: ScanEventRecord[]; code: number | null; stderr: string; stopMs: number; kernelDropped: number | null } | null;
}

/**
 * One scenario: tcpdump (and the live sensor) on the victim veth, benign
 * traffic for 1.5 s, then the scan with benign traffic going on, then stop.
 */
export async function runScenario(lab: ScanLab, s: Scenario, dir: string, opts: { live: boolean }): Promise<ScenarioRun> {
  const pcap = join(dir, `${s.slug}.pcap`);
  const alerts = join(dir, `${s.slug}.live.jsonl`);
  const recording = await lab.record(pcap);
  let sensor: Awaited<ReturnType<ScanLab['startSensor']>> | null = null;
  try {
    if (opts.live) sensor = await lab.startSensor(alerts);
    const benign: Promise<BenignStats>[] = [];
    const before = [lab.benign({ seconds: 1.5 })];
    if (s.ipv6) before.push(lab.benign({ seconds: 1.5, ipv6: true }));
    benign.push(...before);
    await Promise.all(before);
    const during = [lab.benign({ seconds: s.duringSeconds, refused: false })];
    if (s.ipv6) during.push(lab.benign({ seconds: s.duringSeconds, refused: false, ipv6: true }));
    benign.push(...during);
    await sleep(300);
    const argv = s.argv(lab);
    const scan = await lab.scanner(argv[0]!, argv.slice(1), 90_000);
    const stats = await Promise.all(benign);
    await sleep(500);
    let live: ScenarioRun['live'] = null;
    if (sensor) {
      const running = sensor;
      sensor = null;
      const stopped = await running.stop();
      // The stats line leaves zero counters out; no kernel_received at all means no kernel counters (cap engine).
      const dropped = /capture\.kernel_dropped=(\d+)/.exec(stopped.stderr)?.[1] ?? (/capture\.kernel_received=/.test(stopped.stderr) ? '0' : undefined);
      live = {
        events: readScanEvents(alerts),
        code: stopped.code,
        stderr: stopped.stderr,
        stopMs: stopped.stopMs,
        kernelDropped: dropped === undefined ? null : Number(dropped),
      };
    }
    const recorded = await recording.stop();
    return { scenario: s, pcap, command: argv.join(' '), scan, benign: stats, recorded, live };
  } finally {
    if (sensor) await sensor.stop(3000).catch(() => undefined);
    await recording.stop().catch(() => undefined);
  }
}

/** Replay a capture with the sensor: its scan events (stdout, JSON Lines). */
export function replayEvents(pcap: string, localNets: string | null = LOCAL_NETS): { events: ScanEventRecord[]; code: number | null; stderr: string; stdout: string } {
  const args = ['-r', pcap, '--alerts', '-', '-v', '0'];
  if (localNets) args.push('--local-net', localNets);
  const r = runCli(args);
  return { events: parseScanEvents(r.stdout), code: r.code, stderr: r.stderr, stdout: r.stdout };
}

/** Does the sensor's CLI have the --alerts option (the scan detectors are merged)? */
export function alertsOptionMissing(): string | null {
  const r = runCli(['--help-config']);
  if (r.code !== 0) return `the sensor's --help-config failed: ${r.stderr.trim()}`;
  return /(^|\s)--alerts\b/m.test(r.stdout) ? null : 'the CLI has no --alerts option yet (scan detectors not merged)';
}
