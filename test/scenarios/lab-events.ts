/**
 * Helpers for the many-to-one, decoy and benign-trap lab tests: every event
 * the sensor writes (scan, distributed, entropy), live and replayed, and a
 * recorded run with the live sensor on the victim veth.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../helpers/cli.js';
import { LOCAL_NETS, type ScanLab } from '../helpers/scan-lab.js';

/** One JSON Lines event as written (snake_case keys); `kind` is `scan` when absent. */
export type EventLine = Record<string, unknown> & { kind: string; event: string };

export function parseEvents(text: string): EventLine[] {
  const out: EventLine[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const o = JSON.parse(t) as Record<string, unknown>;
      if (typeof o.event !== 'string') continue;
      out.push({ ...o, kind: typeof o.kind === 'string' ? o.kind : 'scan' } as EventLine);
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

/** Packets written so far to a classic pcap file (little-endian, as tcpdump writes it), by walking its record headers. */
export function pcapPackets(path: string): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(16);
    let off = 24;
    let n = 0;
    while (off + 16 <= size) {
      readSync(fd, head, 0, 16, off);
      off += 16 + head.readUInt32LE(8);
      if (off <= size) n++;
    }
    return n;
  } finally {
    closeSync(fd);
  }
}

/**
 * Record the victim veth and run the live sensor while `body` runs; returns
 * both views. Before stopping tcpdump, waits (up to 20 s) until the capture
 * holds `minPackets`: on a loaded machine tcpdump can lag seconds behind the
 * wire, and what is still in its buffer at SIGINT is lost.
 */
export async function recordRun(lab: ScanLab, dir: string, slug: string, body: () => Promise<void>, sensorArgs: string[] = [], minPackets = 0): Promise<LabRun> {
  const pcap = join(dir, `${slug}.pcap`);
  const alerts = join(dir, `${slug}.live.jsonl`);
  const recording = await lab.record(pcap);
  let sensor: Awaited<ReturnType<ScanLab['startSensor']>> | null = null;
  try {
    sensor = await lab.startSensor(alerts, sensorArgs);
    await body();
    await sleep(300); // the last answers reach tcpdump and the sensor (both on the veth)
    const running = sensor;
    sensor = null;
    const until = Date.now() + 20_000;
    while (pcapPackets(pcap) < minPackets && Date.now() < until) await sleep(50);
    const stopped = await running.stop(20_000);
    const dropped = /capture\.kernel_dropped=(\d+)/.exec(stopped.stderr)?.[1] ?? (/capture\.kernel_received=/.test(stopped.stderr) ? '0' : undefined);
    const rec = await recording.stop();
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
  const until = Date.now() + 15_000;
  for (;;) {
    const r = await lab.exec(ns, 'ss', ['-Hltn']);
    const have = new Set(r.stdout.split('\n').map((l) => Number(l.trim().split(/\s+/)[3]?.split(':').pop())));
    if (ports.every((p) => have.has(p))) return;
    if (Date.now() > until) throw new Error(`ports ${ports.join(',')} not listening in ${ns}: ${r.stdout}`);
    await sleep(100);
  }
}
