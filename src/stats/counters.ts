import type { CounterSpec } from '../config/params.js';

/**
 * The sensor's counters. Modules keep plain numeric fields on the hot path
 * (a field increment, nothing else) and register a reader that copies them
 * out under their dotted names when a snapshot is taken; gauges (`now`) are
 * computed at that moment, as snort's get_counts() does.
 */
export type CounterReader = (out: Record<string, number>) => void;

/**
 * A module's counters keyed by a short identifier (`sources`, `evicted`):
 * each dotted name is written once, in its spec. The descriptor lists
 * `counterList(TABLE)`; the module binds the same keys to getters with
 * `stats.bind(TABLE, { key: () => field })`, so a key missing on either side
 * is a type error, never a counter silently left at 0.
 */
export type CounterTable<K extends string = string> = { readonly [k in K]: CounterSpec };

/** A keyed table as a descriptor's `counters` list (declaration order). */
export function counterList(table: CounterTable): readonly CounterSpec[] {
  return Object.freeze(Object.values(table).map(({ name, kind, help }) => ({ name, kind, help })));
}

/** One getter per key of a CounterTable: read when a snapshot is taken, never per packet. */
export type CounterGetters<K extends string> = { readonly [k in K]: () => number };

export class StatsRegistry {
  private readonly specs: CounterSpec[] = [];
  private readonly readers: CounterReader[] = [];

  add(specs: readonly CounterSpec[], read: CounterReader): void {
    this.specs.push(...specs);
    this.readers.push(read);
  }

  /** Register a keyed table: each counter is read from the getter of the same key. */
  bind<K extends string>(table: CounterTable<K>, get: CounterGetters<K>): void {
    const keys = Object.keys(table) as K[];
    const names = keys.map((k) => table[k].name);
    const getters = keys.map((k) => get[k]);
    this.add(counterList(table), (out) => {
      for (let i = 0; i < names.length; i++) out[names[i]] = getters[i]();
    });
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
