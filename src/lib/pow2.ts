/**
 * Table sizes, written once: the smallest power of two that is at least `n`
 * and at least `min`, so a slot is `hash & (size - 1)` (no division per packet).
 */
export function pow2AtLeast(n: number, min = 16): number {
  let p = min;
  while (p < n) p *= 2;
  return p;
}
