import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createFlowSources, FLOW_SOURCE_MODULES } from '../../../src/capture/flows/module.js';
import { NetflowSource } from '../../../src/capture/flows/netflow-source.js';
import { NprobeJsonSource } from '../../../src/capture/flows/nprobe-source.js';
import { parseListen } from '../../../src/capture/flows/listen-address.js';
import { WarnLimiter } from '../../../src/capture/flows/warn-limiter.js';
import { parseCli } from '../../../src/config/cli.js';
import { ALL_MODULES } from '../../../src/assemble/registry.js';
import { coerceParam, type ParamValues } from '../../../src/config/params.js';
import { isSensorError } from '../../../src/errors.js';
import { StatsRegistry } from '../../../src/stats/counters.js';

function params(raw: Record<string, unknown>): ParamValues {
  const out: ParamValues = {};
  for (const m of FLOW_SOURCE_MODULES) for (const p of m.params) out[p.name] = coerceParam(p, raw[p.name]);
  return out;
}

describe('flow input modules', () => {
  test('every param and counter has its own help; names are unique and fit the CLI', () => {
    const names = new Set<string>();
    for (const m of FLOW_SOURCE_MODULES) {
      assert.ok(m.help.length > 10, m.name);
      for (const p of m.params) {
        assert.ok(p.help.length > 10, p.name);
        assert.ok(!names.has(p.name), p.name);
        names.add(p.name);
      }
      const helps = new Set<string>();
      for (const c of m.counters) {
        assert.ok(c.help.length > 10 && !helps.has(c.help), c.name);
        helps.add(c.help);
        assert.ok(c.name.startsWith(`${m.name}.`), c.name);
      }
    }
    // Registered with every other module, the CLI takes them without a name clash.
    for (const m of FLOW_SOURCE_MODULES) assert.ok(ALL_MODULES.includes(m), `${m.name} registered`);
    const p = parseCli(['--flows-listen', '127.0.0.1:0', '-p', '2056', '--netflow-listen', ':9995', '--flow-hold', '50ms'], ALL_MODULES);
    assert.equal(p['flows-listen'], '127.0.0.1:0');
    assert.equal(p['flows-port'], 2056);
    assert.equal(p['flow-hold'], 0.05);
    assert.equal(p['flow-time'], 'flow');
  });

  test('createFlowSources: none, nProbe by --flows-listen or -a/-p, NetFlow, both; counters registered', () => {
    const ctx = () => ({ stats: new StatsRegistry(), warn: () => {} });
    assert.deepEqual(createFlowSources(params({}), ctx()), []);

    const c1 = ctx();
    const [a] = createFlowSources(params({ 'flows-address': '127.0.0.1' }), c1);
    assert.ok(a instanceof NprobeJsonSource);
    assert.equal(a.description, 'nProbe JSON flows on tcp 127.0.0.1:2055');
    assert.equal(a.preDecoded, true);
    assert.equal(a.live, false, 'flow time: no wall-clock tick');
    assert.ok('nprobe.bad_json' in c1.stats.snapshot() && 'flows.views' in c1.stats.snapshot());

    const [b] = createFlowSources(params({ 'flows-port': '2100' }), ctx());
    assert.equal(b.description, 'nProbe JSON flows on tcp 0.0.0.0:2100');
    const [c] = createFlowSources(params({ 'flows-listen': 'default', 'flows-port': '2100' }), ctx());
    assert.equal(c.description, 'nProbe JSON flows on tcp 0.0.0.0:2055', '--flows-listen wins');

    const c2 = ctx();
    const both = createFlowSources(params({ 'flows-listen': '[::1]:2055', 'netflow-listen': '4739', 'flow-time': 'arrival' }), c2);
    assert.equal(both.length, 2);
    assert.ok(both[1] instanceof NetflowSource);
    assert.equal(both[0].description, 'nProbe JSON flows on tcp [::1]:2055');
    assert.equal(both[1].description, 'NetFlow/IPFIX on udp 0.0.0.0:4739');
    assert.ok(both.every((s) => s.live), 'arrival time: the wall-clock tick is right');
    const snap = c2.stats.snapshot();
    for (const m of FLOW_SOURCE_MODULES) for (const k of m.counters) assert.ok(k.name in snap, k.name);
  });

  test('listen addresses', () => {
    assert.deepEqual(parseListen('', 2055, 'x'), { host: '0.0.0.0', port: 2055 });
    assert.deepEqual(parseListen('10.0.0.1:99', 2055, 'x'), { host: '10.0.0.1', port: 99 });
    assert.deepEqual(parseListen(':99', 2055, 'x'), { host: '0.0.0.0', port: 99 });
    assert.deepEqual(parseListen('99', 2055, 'x'), { host: '0.0.0.0', port: 99 });
    assert.deepEqual(parseListen('localhost', 2055, 'x'), { host: 'localhost', port: 2055 });
    assert.deepEqual(parseListen('[::]:4739', 2055, 'x'), { host: '::', port: 4739 });
    assert.deepEqual(parseListen('::1', 2055, 'x'), { host: '::1', port: 2055 });
    for (const bad of ['1.2.3.4:70000', 'host:port', 'a b:1']) {
      assert.throws(() => parseListen(bad, 2055, '--flows-listen'), (e: unknown) => isSensorError(e) && e.code === 'CFG_INVALID' && e.message.startsWith('--flows-listen'));
    }
  });

  test('warnings: one line per reason per interval, the rest summed up in the next', () => {
    const lines: string[] = [];
    let now = 0;
    const w = new WarnLimiter((l) => lines.push(l), 10, () => now);
    let built = 0;
    const make = (s: string) => () => {
      built++;
      return s;
    };
    w.note('a', make('a1'));
    w.note('a', make('a2'));
    w.note('b', make('b1'));
    w.note('a', make('a3'));
    now = 11;
    w.note('a', make('a4'));
    assert.deepEqual(lines, ['a1', 'b1', 'a4 (and 2 more since the last such warning)']);
    assert.equal(built, 3, 'suppressed lines are never built');
  });
});
