/**
 * Sensor health for the page, computed from two consecutive stats snapshots
 * (the sensor writes one after every frame): packets, packet rate in packet
 * time, kernel drops, how full each bounded table is, and each output's
 * queue and drops.
 */
export interface HealthSpec {
  /** Bounded tables: the gauge counter of their entries and their capacity (the module's param). */
  tables: { label: string; counter: string; max: number }[];
}

export interface Health {
  ts: number;
  packets: number;
  /** Packets per second of packet time between the last two snapshots (null before two). */
  rate: number | null;
  kernelReceived: number;
  kernelDropped: number;
  interfaceDropped: number;
  tables: { label: string; used: number; max: number }[];
  /** Outputs with a queue (a counter named `<output>.*queued`): queued now and dropped so far. */
  outputs: { name: string; queued: number; dropped: number }[];
  /** Every counter, for the full table. */
  counters: Record<string, number>;
}

type Snap = { ts: number; counters: Record<string, number> };

export function healthOf(last: Snap, prev: Snap | null, spec: HealthSpec): Health {
  const c = last.counters;
  const packets = packetsOf(c);
  let rate: number | null = null;
  if (prev && last.ts > prev.ts) rate = Math.max(0, (packets - packetsOf(prev.counters)) / (last.ts - prev.ts));
  const tables = spec.tables.filter((t) => t.counter in c).map((t) => ({ label: t.label, used: c[t.counter], max: t.max }));
  const outputs: Health['outputs'] = [];
  for (const name of Object.keys(c)) {
    const m = /^([a-z0-9_-]+)\.(?:[a-z_]*_)?queued$/.exec(name);
    if (!m) continue;
    const prefix = m[1];
    let dropped = 0;
    for (const [k, v] of Object.entries(c)) if (k.startsWith(prefix + '.') && k.includes('dropped')) dropped += v;
    outputs.push({ name: prefix, queued: c[name], dropped });
  }
  return {
    ts: last.ts,
    packets,
    rate,
    kernelReceived: c['capture.kernel_received'] ?? 0,
    kernelDropped: c['capture.kernel_dropped'] ?? 0,
    interfaceDropped: c['capture.interface_dropped'] ?? 0,
    tables,
    outputs,
    counters: c,
  };
}

/** Packets seen by the pipeline (captured packets and packets made from flows). */
function packetsOf(c: Record<string, number>): number {
  return c['packets.seen'] ?? c['capture.delivered'] ?? 0;
}
