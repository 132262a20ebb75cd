import type { CounterSpec } from '../config/params.js';
import { counterList, type CounterReader } from './counters.js';

/**
 * The second way to bind a keyed counter table (counters.ts), for modules
 * that count in plain objects (flow sources, decoders): each key is the
 * numeric property that counts it, so no getter is written per counter (a `read` function stands in for a value that is computed,
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

export { counterList };

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
