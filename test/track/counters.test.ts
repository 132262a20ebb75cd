import assert from 'node:assert/strict';
import test from 'node:test';
import { Concentration } from '../../src/track/concentration.js';
import { ContactTable } from '../../src/track/contact-table.js';
import { DistinctCounter } from '../../src/track/distinct-counter.js';
import { hash52, setHashSeed } from '../../src/track/hash.js';
import { PendingRing } from '../../src/track/pending-ring.js';

// Sketch estimates depend on the hash seed (random per process in the product): fixed here, as
// --hash-seed fixes it for a replay, so an estimate cannot miss its bound by the seed it drew.
setHashSeed(1);

test('DistinctCounter: exact up to its limit, then a sketch within a few percent', () => {
  const c = new DistinctCounter(100, 10);
  for (let i = 0; i < 100; i++) assert.equal(c.add(i * 7), true);
  assert.equal(c.add(7), false);
  assert.equal(c.count, 100);
  assert.ok(c.exact);
  for (let i = 100; i < 100_000; i++) c.add(i * 7);
  for (let i = 0; i < 100_000; i++) c.add(i * 7); // repeats change nothing
  assert.ok(!c.exact);
  const err = Math.abs(c.count - 100_000) / 100_000;
  assert.ok(err < 0.1, `estimate ${c.count} is ${(err * 100).toFixed(1)}% off`);
  c.clear();
  assert.equal(c.count, 0);
  assert.ok(c.exact);
});

test('DistinctCounter: the small-range estimate right after switching is close', () => {
  const c = new DistinctCounter(64, 7);
  for (let i = 0; i < 300; i++) c.add(1_000_000 + i);
  assert.ok(Math.abs(c.count - 300) < 60, `got ${c.count}`);
});

test('ContactTable: keeps flags and creation second for real epoch timestamps', () => {
  // 1.7e9 s * 2^24 would not fit in a double's 53 bits: the table must store offsets.
  const t = new ContactTable(10, 3600);
  t.set(1, 0x123456, 1_731_252_716.32);
  assert.equal(t.get(1), 0x123456);
  assert.equal(t.lastCreated, 1_731_252_716);
  t.set(1, 0x10, 1_731_252_800);
  assert.equal(t.get(1), 0x10);
  assert.equal(t.lastCreated, 1_731_252_716, 'an update keeps the creation time');
  t.set(1, 0x10, 1_731_252_900, true);
  assert.equal(t.get(1), 0x10);
  assert.equal(t.lastCreated, 1_731_252_900, 'renew restamps it');
});

test('ContactTable: first in first out at the cap, and ttl expiry', () => {
  const t = new ContactTable(3, 100);
  for (let k = 1; k <= 4; k++) t.set(k, k, 1000 + k);
  assert.equal(t.size, 3);
  assert.equal(t.evictions, 1);
  assert.equal(t.get(1), -1);
  assert.equal(t.get(4), 4);
  assert.equal(t.expire(1102), 1); // 2 created at 1002: 1002 <= 1102 - 100
  assert.equal(t.get(2), -1);
  assert.equal(t.expire(2000), 2);
  assert.equal(t.size, 0);
  t.set(9, 1, 2001);
  assert.equal(t.get(9), 1);
});

test('ContactTable: contacts held per owner slot follow creation, eviction and expiry', () => {
  // The tracker skips every lookup of a prober whose slot holds no contact: a
  // count that stayed above 0 would only cost time, one that fell to 0 too
  // early would lose answers.
  const t = new ContactTable(3, 100, undefined, 4);
  assert.equal(t.owns(1), false);
  t.set(10, 1, 1000, false, 1);
  t.set(11, 1, 1001, false, 1);
  t.set(12, 1, 1002, false, 2);
  assert.deepEqual([...t.held], [0, 2, 1, 0]);
  t.set(10, 2, 1003, true, 3); // an update: its owner stays the creator's
  assert.deepEqual([...t.held], [0, 2, 1, 0]);
  t.set(13, 1, 1004, false, 3); // full: 10 (owner 1) goes
  assert.equal(t.get(10), -1);
  assert.deepEqual([...t.held], [0, 1, 1, 1]);
  assert.equal(t.expire(1102), 2); // 11 and 12 were created before 1002
  assert.deepEqual([...t.held], [0, 0, 0, 1]);
  assert.equal(t.owns(1), false);
  assert.equal(t.owns(3), true);
  assert.equal(new ContactTable(3, 100).owns(5), true, 'a table without owners never rules a lookup out');
});

test('PendingRing: oldest first, drops the oldest when full', () => {
  const r = new PendingRing(2);
  r.push(1, 10, 20, 80, 0, 1.0);
  r.push(1, 10, 21, 81, 0, 2.0);
  r.push(1, 10, 22, 82, 0, 3.0);
  assert.equal(r.dropped, 1);
  assert.equal(r.size, 2);
  let i = r.headIndex();
  assert.equal(r.dst[i], 21);
  r.shift();
  i = r.headIndex();
  assert.equal(r.port[i], 82);
  r.shift();
  assert.equal(r.headIndex(), -1);
});

test('Concentration: vertical and horizontal fan-out, bounded maps', () => {
  const c = new Concentration(4);
  for (let p = 1; p <= 6; p++) c.add(100, p); // one host, six ports
  for (let h = 200; h < 203; h++) c.add(h, 80); // three hosts on port 80 ... plus none
  assert.equal(c.maxPortsPerHost, 6);
  assert.equal(c.topHost, 100);
  assert.equal(c.maxHostsPerPort, 1, 'port 80 was never tracked: the port map was full');
  assert.ok(c.capped > 0);
  const d = new Concentration(1024);
  for (let h = 0; h < 30; h++) d.add(h, (h * 7919) % 65536); // random host:port pairs: no shape
  assert.equal(d.max, 1);
});

test('hash52: deterministic within a process, stays below 2^53, spreads', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const k = hash52(0xc0a80101, 0xc0a80100 + i, 80);
    assert.ok(Number.isSafeInteger(k) && k >= 0);
    seen.add(k);
  }
  assert.equal(seen.size, 10_000);
  assert.equal(hash52(1, 2, 3), hash52(1, 2, 3));
  assert.notEqual(hash52(1, 2, 3), hash52(2, 1, 3));
});

test('NumberMap: agrees with a Map through heavy churn (insert, update, backward-shift delete)', async () => {
  const { NumberMap } = await import('../../src/track/number-map.js');
  const m = new NumberMap(1000);
  const ref = new Map<number, number>();
  let x = 7;
  for (let i = 0; i < 200_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    // Keys from a small range collide and cluster; some above 2^32.
    const key = (x % 3000) * (i % 3 === 0 ? 0x100000001 : 1);
    if (ref.has(key) || ref.size < 1000) {
      if (x & 1 && ref.has(key)) {
        assert.equal(m.delete(key), true);
        ref.delete(key);
      } else {
        m.set(key, i);
        ref.set(key, i);
      }
    }
    assert.equal(m.size, ref.size);
  }
  for (const [k, v] of ref) assert.equal(m.get(k), v);
  for (let k = 0; k < 3000; k++) if (!ref.has(k)) assert.equal(m.get(k), -1);
  assert.throws(() => {
    for (let k = 10_000; k < 12_000; k++) m.set(k, 1);
  }, /full/);
});
