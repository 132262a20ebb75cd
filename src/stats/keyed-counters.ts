import type { CounterSpec } from '../config/params.js';
import type { CounterReader } from './counters.js';

/**
 * Counters declared once, keyed by the numeric property of the object that
 * counts them: the key binds the value, so a counter is not typed a second
 * time in a reader (a `read` function stands in for a value that is computed,
 * or held elsewhere). keyedCounters<T>() checks every key against T: a key
 * that is no numeric property of T needs a `read`.
 */
export type KeyedCounter<T> = CounterSpec & { readonly read?: (t: T) => number };
export type Keyed<T> = Readonly<Record<string, KeyedCounter<T>>>;
type NumericKeys<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];

/** `keyedCounters<Source>()({ prop: { name, kind, help }, ... })`: the declaration, type-checked. */
export function keyedCounters<T>() {
  return <const C extends Keyed<T>>(c: C & { readonly [K in keyof C]: K extends NumericKeys<T> ? unknown : { readonly read: (t: T) => number } }): C =>
    Object.freeze(c);
}

/** The specs, for a descriptor's `counters` (declaration order). */
export function counterList<T>(keyed: Keyed<T>): readonly CounterSpec[] {
  return Object.values(keyed).map(({ name, kind, help }) => ({ name, kind, help }));
}

/** A reader that writes each counter as the sum of its value over `sources`. */
export function keyedReader<T>(keyed: Keyed<T>, sources: readonly T[]): CounterReader {
  const rows = Object.entries(keyed).map(([key, spec]) => ({ name: spec.name, read: spec.read ?? ((t: T) => (t as Record<string, number>)[key]) }));
  return (out) => {
    for (const r of rows) {
      let n = 0;
      for (const s of sources) n += r.read(s);
      out[r.name] = n;
    }
  };
}
