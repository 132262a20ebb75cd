import assert from 'node:assert/strict';
import test from 'node:test';
import { LruTable, type LruEntry } from '../../src/track/lru-table.js';

class E implements LruEntry {
  lastSeen = 0;
  lruPrev: LruEntry | null = null;
  lruNext: LruEntry | null = null;
  active = false;
  constructor(public key: number) {}
}

test('LRU: size stays at the cap, the least recently used goes first, evictions counted', () => {
  const removed: number[] = [];
  const t = new LruTable<E>({ maxEntries: 3, idleTimeout: 0, onRemove: (v, why) => removed.push(v.key * (why === 'evicted' ? 1 : -1)) });
  for (let k = 1; k <= 3; k++) t.insert(new E(k), k);
  t.get(1, 4); // 1 is now the most recent: 2 is the oldest
  t.insert(new E(4), 5);
  assert.equal(t.size, 3);
  assert.deepEqual(removed, [2]);
  assert.equal(t.evictions, 1);
  assert.equal(t.peek(2), undefined);
  assert.ok(t.peek(1));
  assert.equal(t.highWater, 3);
});

test('LRU: idle entries expire in packet time, oldest first, fresh ones stay', () => {
  const t = new LruTable<E>({ maxEntries: 10, idleTimeout: 60 });
  t.insert(new E(1), 0);
  t.insert(new E(2), 30);
  t.insert(new E(3), 50);
  t.get(1, 55); // touched: fresh again
  assert.equal(t.expire(95), 1); // only 2 idled 60 s (30 -> 90 <= 95)
  assert.equal(t.expired, 1);
  assert.deepEqual([...t.values()].map((v) => v.key), [3, 1]);
  assert.equal(t.expire(200), 2);
  assert.equal(t.size, 0);
});

test('LRU: protected entries are skipped when making room, a bounded number of times', () => {
  const t = new LruTable<E>({ maxEntries: 2, idleTimeout: 0, protect: (v) => v.active, maxProtectedSkips: 1 });
  const a = new E(1);
  a.active = true;
  t.insert(a, 0);
  t.insert(new E(2), 1);
  t.insert(new E(3), 2); // 1 is protected: 2 goes
  assert.ok(t.peek(1));
  assert.equal(t.peek(2), undefined);
  const b = t.peek(3)!;
  b.active = true;
  t.insert(new E(4), 3); // both protected, one skip allowed: one of them goes anyway
  assert.equal(t.size, 2);
  assert.equal(t.evictions, 2);
});

test('LRU: a million distinct keys never grow the table past its cap', () => {
  let recycled = 0;
  const pool: E[] = [];
  const t = new LruTable<E>({ maxEntries: 1000, idleTimeout: 3600, onRemove: (v) => pool.push(v) });
  for (let i = 0; i < 1_000_000; i++) {
    const key = (Math.random() * 0xffffffff) >>> 0;
    if (t.get(key, i) !== undefined) continue;
    const e = pool.pop() ?? new E(key);
    if (e.key !== key) recycled++;
    e.key = key;
    t.insert(e, i);
    assert.ok(t.size <= 1000);
  }
  assert.equal(t.size, 1000);
  assert.ok(t.evictions >= 998_000);
  assert.ok(recycled > 990_000, 'evicted objects are reused');
});
