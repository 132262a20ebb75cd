import type { CounterSpec } from '../config/params.js';

/**
 * The sensor's counters. Modules keep plain numeric fields on the hot path
 * (a field increment, nothing else) and register a reader that copies them
 * out under their dotted names when a snapshot is taken; gauges (`now`) are
 * computed at that moment, as snort's get_counts() does.
 */
export type CounterReader = (out: Record<string, number>) => void;

export class StatsRegistry {
  private readonly specs: CounterSpec[] = [];
  private readonly readers: CounterReader[] = [];

  add(specs: readonly CounterSpec[], read: CounterReader): void {
    this.specs.push(...specs);
    this.readers.push(read);
  }

  describe(): readonly CounterSpec[] {
    return this.specs;
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.specs) out[s.name] = 0;
    for (const r of this.readers) r(out);
    return out;
  }
}
