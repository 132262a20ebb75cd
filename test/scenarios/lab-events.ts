/**
 * Helpers for the many-to-one, decoy and benign-trap lab tests: every event
 * the sensor writes (scan, distributed, entropy), live and replayed, and a
 * recorded run with the live sensor on the victim veth.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { pcapRecords } from '../helpers/recorder.js';
import { LOCAL_NETS, type ScanLab } from '../helpers/scan-lab.js';
import { waitFor } from '../helpers/wait.js';

/** One JSON Lines event as written (snake_case keys); `kind` is `scan` when absent; `event` is '' for one-off events (entropy). */
export type EventLine = Record<string, unknown> & { kind: string; event: string };

export function parseEvents(text: string): EventLine[] {
  const out: EventLine[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const o = JSON.parse(t) as Record<string, unknown>;
      if (typeof o.event !== 'string' && typeof o.kind !== 'string') continue;
      out.push({ ...o, kind: typeof o.kind === 'string' ? o.kind : 'scan', event: typeof o.event === 'string' ? o.event : '' } as EventLine);
    } catch {
      // not an event line
    }
  }
  return out;
}

export function replayAll(pcap: string, extra: string[] = []): { events: EventLine[]; code: number | null; stderr: string } {
  const r = runCli(['-r', pcap, '--alerts', '-', '-v', '0', '--local-net', LOCAL_NETS, ...extra]);
  return { events: parseEvents(r.stdout), code: r.code, stderr: r.stderr };
}

export function show(events: EventLine[]): string {
  if (events.length === 0) return '(no events)';
  return events
    .map((e) =>
      e.kind === 'scan'
        ? `scan ${e.event} ${String(e.scanner)} ${JSON.stringify(e.technique)} ${String(e.pattern)} tool=${String(e.tool)} targets=${String(e.targets)} ports=${String(e.ports)} probes=${String(e.probes)} failures=${String(e.failures)} detectors=${JSON.stringify(e.detectors)} group=${String(e.group)}`
        : `${e.kind} ${e.event} ${JSON.stringify(e)}`,
    )
    .join('\n');
}

export interface LabRun {
  pcap: string;
  live: { events: EventLine[]; code: number | null; stderr: string; kernelDropped: number | null };
  captured: number;
}

/**
 * Record the victim veth and run the live sensor while `body` runs; returns
 * both views. Then a sentinel connection (ScanLab.sentinel): once the live
 * sensor has printed its SYN it has read every packet before it, and tcpdump
 * is stopped only once its file holds that SYN too (and at least
 * `minPackets`), so both saw the same traffic.
 */
export async function recordRun(lab: ScanLab, dir: string, slug: string, body: () => Promise<void>, sensorArgs: string[] = [], minPackets = 0): Promise<LabRun> {
  const pcap = join(dir, `${slug}.pcap`);
  const alerts = join(dir, `${slug}.live.jsonl`);
  const recording = await lab.record(pcap);
  let sensor: Awaited<ReturnType<ScanLab['startSensor']>> | null = null;
  try {
    sensor = await lab.startSensor(alerts, sensorArgs);
    await body();
    const through = await sensor.sawSentinel(await lab.sentinel(), 30_000);
    await waitFor(`${minPackets} packets in ${pcap}`, () => pcapRecords(pcap).count >= minPackets, 20_000).catch(() => undefined);
    const running = sensor;
    sensor = null;
    const stopped = await running.stop(20_000);
    const dropped = /capture\.kernel_dropped=(\d+)/.exec(stopped.stderr)?.[1] ?? (/capture\.kernel_received=/.test(stopped.stderr) ? '0' : undefined);
    const rec = await recording.stop({ through });
    return {
      pcap,
      captured: rec.captured,
      live: {
        events: existsSync(alerts) ? parseEvents(readFileSync(alerts, 'utf8')) : [],
        code: stopped.code,
        stderr: stopped.stderr,
        kernelDropped: dropped === undefined ? null : Number(dropped),
      },
    };
  } finally {
    if (sensor) await sensor.stop(3000).catch(() => undefined);
    await recording.stop().catch(() => undefined);
  }
}

/** Wait until `ss -Hltn` in a namespace lists every port, or throw after 15 s. */
export async function waitListening(lab: ScanLab, ns: string, ports: number[]): Promise<void> {
  await waitFor(`ports ${ports.join(',')} listening in ${ns}`, async () => {
    const r = await lab.exec(ns, 'ss', ['-Hltn']);
    const have = new Set(r.stdout.split('\n').map((l) => Number(l.trim().split(/\s+/)[3]?.split(':').pop())));
    return ports.every((p) => have.has(p));
  }, 15_000);
}
