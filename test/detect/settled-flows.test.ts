/**
 * The pipeline's settled-connection path (src/pipeline.ts isSettled): the ACKs
 * of a connection the scan engine settled go to each detector's onSettled;
 * detectors without one (the classifier's session features) still get every
 * packet, and a new SYN on the same ports brings the connection back.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { createDetectors } from '../../src/assemble/assemble.js';
import { ALL_MODULES } from '../../src/assemble/registry.js';
import { parseCli } from '../../src/config/cli.js';
import { CidrSet } from '../../src/decode/cidr-set.js';
import type { PacketView } from '../../src/decode/packet-view.js';
import type { Detector } from '../../src/detect/detector.js';
import { Pipeline } from '../../src/pipeline.js';
import { StatsRegistry } from '../../src/stats/counters.js';
import { ACK, FIN, PSH, SYN, tcp } from './helpers/views.js';

/** A detector with no onSettled: it must see every packet. */
class Every implements Detector {
  readonly name = 'every';
  flags: number[] = [];
  onPacket(v: PacketView): void {
    this.flags.push(v.tcpFlags);
  }
  tick(): void {}
  flush(): void {}
}

/** A detector with onSettled: counts what came each way. */
class Clock extends Every {
  settledCalls = 0;
  onSettled(): void {
    this.settledCalls++;
  }
}

function sensor(withScan = true) {
  const stats = new StatsRegistry();
  const params = parseCli(['--max-sources', '256', '--max-contacts', '4096', '--max-pending', '4096'], ALL_MODULES);
  const ctx = { params, emit: () => {}, stats, localNets: new CidrSet(), verbose: 0, trace: () => {}, warn: () => {}, sensorName: 't', sourceName: 't' };
  const every = new Every();
  const clock = new Clock();
  const detectors = [...createDetectors(ctx, (name) => withScan || name !== 'scan'), every, clock];
  return { pipeline: new Pipeline(detectors, stats), stats, every, clock };
}

const C = '10.0.0.1';
const S = '10.0.0.2';

/** One connection from C:40000 to S:80 at t: handshake, request, response, teardown (9 packets). */
function connection(p: Pipeline, t: number): void {
  const c = (flags: number, payload = 0) => p.onDecoded(tcp({ ts: t, src: C, dst: S, sport: 40000, dport: 80, flags, payload }));
  const s = (flags: number, payload = 0) => p.onDecoded(tcp({ ts: t, src: S, dst: C, sport: 80, dport: 40000, flags, payload }));
  c(SYN);
  s(SYN | ACK);
  c(ACK);
  c(PSH | ACK, 100); // the client's data settles the connection
  s(ACK);
  s(PSH | ACK, 1000);
  c(ACK);
  c(FIN | ACK);
  s(FIN | ACK);
}

test('settled: the ACKs after the client data skip the lookups; every detector without onSettled still sees them', () => {
  const { pipeline, stats, every, clock } = sensor();
  connection(pipeline, 1);
  const c = stats.snapshot();
  assert.equal(every.flags.length, 9);
  assert.deepEqual([clock.flags.length, clock.settledCalls], [4, 5]);
  assert.equal(c['scan.flows_skipped'], 5, 'the 5 packets after the client data');
  assert.equal(c['scan.packets'], 9, 'settled packets are still counted by the tracker');
  assert.equal(c['distributed.handshakes'], 1);
  assert.equal(c['decoy.probes'], 2, 'the SYN and the handshake ACK; the settled bare ACKs are no probes');
});

test('settled: a SYN on a settled connection\'s ports is a new connection, whose handshake is seen again', () => {
  const { pipeline, stats } = sensor();
  connection(pipeline, 1);
  connection(pipeline, 100); // the same four-tuple again (port reuse)
  const c = stats.snapshot();
  assert.equal(c['distributed.handshakes'], 2);
  assert.equal(c['distributed.unanswered'], 0);
  assert.equal(c['scan.flows_skipped'], 10);
});

test('settled: without the scan engine nothing is settled', () => {
  const { pipeline, every, clock } = sensor(false);
  connection(pipeline, 1);
  assert.equal(every.flags.length, 9);
  assert.deepEqual([clock.flags.length, clock.settledCalls], [9, 0]);
});
