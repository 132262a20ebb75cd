import { createWriteStream, type WriteStream } from 'node:fs';
import { defineSink, type ModuleContext } from '../config/module.js';
import { str } from '../config/params.js';
import { isoTime, type ScanEvent, type SensorRecord } from './schema.js';
import type { Sink } from './sink.js';

/**
 * The alert record as written to JSON Lines and CSV: snake_case keys, times
 * as ISO 8601 of packet time, `technique` a string when there is one and an
 * array when several (most probes first).
 */
export interface AlertRecord {
  ts: string;
  event: ScanEvent['event'];
  id: string;
  scanner: string;
  technique: string | string[];
  pattern: ScanEvent['pattern'];
  tool: ScanEvent['tool'];
  tool_evidence: string;
  targets: number;
  ports: number;
  probes: number;
  failures: number;
  probes_to_detect: number;
  first_seen: string;
  last_seen: string;
  detectors: { name: string; score: number; threshold: number }[];
  sample_ports: number[];
  sample_targets: string[];
  /** Evasion evidence, e.g. ["fragments"]; [] when none. */
  evasion: string[];
}

export function alertRecord(e: ScanEvent): AlertRecord {
  return {
    ts: isoTime(e.ts),
    event: e.event,
    id: e.id,
    scanner: e.scanner,
    technique: e.technique.length === 1 ? e.technique[0] : [...e.technique],
    pattern: e.pattern,
    tool: e.tool,
    tool_evidence: e.toolEvidence,
    targets: e.targets,
    ports: e.ports,
    probes: e.probes,
    failures: e.failures,
    probes_to_detect: e.probesToDetect,
    first_seen: isoTime(e.firstSeen),
    last_seen: isoTime(e.lastSeen),
    detectors: e.detectors.map((d) => ({ name: d.name, score: d.score, threshold: d.threshold })),
    sample_ports: [...e.samplePorts],
    sample_targets: [...e.sampleTargets],
    evasion: e.evasion ? [...e.evasion] : [],
  };
}

/**
 * A text output opened once: a file (appended, mode 0644) or standard output
 * for `-`. A write error is reported once through `warn` and stops this
 * output only; the sensor goes on.
 */
export class AlertOutput {
  private readonly file: WriteStream | null;
  private failed: Error | null = null;
  /** Bytes written before we opened it (0 for a new file or stdout). */
  readonly startSize: number;

  constructor(
    readonly path: string,
    readonly option: string,
    private readonly warn: (line: string) => void,
    startSize = 0,
  ) {
    this.startSize = startSize;
    this.file = path === '-' ? null : createWriteStream(path, { flags: 'a', mode: 0o644 });
    this.file?.on('error', (e) => this.fail(e));
  }

  get ok(): boolean {
    return this.failed === null;
  }

  write(text: string): void {
    if (this.failed) return;
    if (this.file) this.file.write(text);
    else process.stdout.write(text);
  }

  async flush(): Promise<void> {
    if (this.failed || !this.file) return;
    await new Promise<void>((resolve) => this.file!.write('', () => resolve()));
  }

  async close(): Promise<void> {
    if (!this.file) return;
    await new Promise<void>((resolve) => this.file!.end(() => resolve()));
  }

  private fail(e: Error): void {
    if (!this.failed) this.warn(`${this.option} ${this.path}: ${e.message}; this output stopped, the others go on`);
    this.failed = e;
  }
}

/** `--alerts FILE`: one JSON object per scan event. */
export class AlertJsonlSink implements Sink {
  readonly name = 'alerts-jsonl';
  events = 0;

  constructor(private readonly out: AlertOutput) {}

  write(r: SensorRecord): void {
    if (r.kind !== 'scan') return;
    this.out.write(JSON.stringify(alertRecord(r)) + '\n');
    this.events++;
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  close(): Promise<void> {
    return this.out.close();
  }
}

export const alertsJsonlModule = defineSink({
  name: 'alerts',
  help: 'Scan events (start, update, end) as JSON Lines.',
  params: [
    { name: 'alerts', type: 'string', help: 'Append one JSON object per scan event to this file (- for standard output): ts, event, id, scanner, technique, pattern, tool, counts, detectors, samples.' },
  ],
  counters: [{ name: 'alerts.jsonl_events', kind: 'sum', help: 'Scan events written to the --alerts file.' }],
  create(ctx: ModuleContext) {
    const path = str(ctx.params, 'alerts');
    if (path === undefined) return null;
    const sink = new AlertJsonlSink(new AlertOutput(path, '--alerts', ctx.warn));
    ctx.stats.add(alertsJsonlModule.counters, (out) => {
      out['alerts.jsonl_events'] = sink.events;
    });
    return sink;
  },
});
