import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterList, StatsRegistry, type CounterTable } from '../../src/stats/counters.js';

const TABLE = {
  seen: { name: 'demo.seen', kind: 'sum', help: 'Things seen.' },
  open: { name: 'demo.open', kind: 'now', help: 'Things open now.' },
} as const satisfies CounterTable;

test('a keyed table: the descriptor list keeps declaration order, bind reads each getter under its name', () => {
  assert.deepEqual(
    counterList(TABLE).map((c) => c.name),
    ['demo.seen', 'demo.open'],
  );
  const stats = new StatsRegistry();
  const state = { seen: 0, open: 0 };
  stats.add([{ name: 'before.x', kind: 'sum', help: 'x' }], (out) => {
    out['before.x'] = 7;
  });
  stats.bind(TABLE, { seen: () => state.seen, open: () => state.open });
  assert.deepEqual(stats.snapshot(), { 'before.x': 7, 'demo.seen': 0, 'demo.open': 0 });
  state.seen = 5;
  state.open = 2;
  assert.deepEqual(Object.entries(stats.snapshot()), [
    ['before.x', 7],
    ['demo.seen', 5],
    ['demo.open', 2],
  ]);
  assert.deepEqual(
    stats.describe().map((c) => c.name),
    ['before.x', 'demo.seen', 'demo.open'],
  );
});

test('a getter missing or extra is a type error, not a counter left at 0 (checked by tsc -p tsconfig.test.json: an unused @ts-expect-error fails it)', () => {
  const stats = new StatsRegistry();
  // @ts-expect-error: `open` has no getter
  stats.bind(TABLE, { seen: () => 1 });
  // @ts-expect-error: `closed` is not in the table
  stats.bind(TABLE, { seen: () => 1, open: () => 1, closed: () => 1 });
  assert.ok(true);
});
