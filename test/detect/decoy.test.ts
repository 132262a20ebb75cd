import assert from 'node:assert/strict';
import test from 'node:test';
import { DecoyLinker } from '../../src/detect/decoy/detector.js';
import { parseIpv4 } from '../../src/decode/address.js';
import { setHashSeed } from '../../src/track/hash.js';
import { ACK, SYN, tcp } from './helpers/views.js';

// The linker's tables are direct-mapped: with a random seed, two of a test's
// few source pairs share a slot now and then (about 1 run in 300 at 1,024
// slots) and reset each other's evidence. Same input, same output: a fixed seed,
// as the CLI uses for replays (--hash-seed).
setHashSeed(1);

const opts = { probeSlots: 1024, window: 1, minLinks: 3, pairSlots: 1024, maxMembers: 64, idle: 600 };
const group = (l: DecoyLinker, a: string) => l.groupOfAddress(false, parseIpv4(a), new Uint32Array(4));

test('nmap -D: copies of each probe from four sources make one group of four', () => {
  const l = new DecoyLinker(opts);
  const sources = ['10.77.0.11', '10.77.0.12', '10.77.0.1', '10.77.0.13'];
  let ts = 100;
  for (let port = 1; port <= 10; port++) {
    for (const src of sources) {
      l.onPacket(tcp({ ts, src, dst: '10.77.0.100', sport: 42396, dport: port, flags: SYN, seq: 3399235327, ipId: 9656 + port }));
      ts += 0.00002;
    }
  }
  const g = group(l, '10.77.0.1');
  assert.ok(g);
  assert.equal(g.size, 4);
  assert.match(g.id, /^decoy-10\.77\.0\.100-\d+$/);
  for (const s of sources) assert.equal(group(l, s)?.id, g.id);
  assert.equal(l.groups.groups, 1);
});

test('two probes alone are not enough (decoy-min-links), and retransmissions to one port do not add up', () => {
  const l = new DecoyLinker(opts);
  for (let i = 0; i < 5; i++) {
    for (const src of ['10.0.0.1', '10.0.0.2']) l.onPacket(tcp({ ts: 100 + i, src, dst: '10.0.0.9', sport: 5000, dport: 80, flags: SYN, seq: 77, ipId: 5 }));
  }
  l.onPacket(tcp({ ts: 110, src: '10.0.0.1', dst: '10.0.0.9', sport: 5000, dport: 81, flags: SYN, seq: 77, ipId: 6 }));
  l.onPacket(tcp({ ts: 110, src: '10.0.0.2', dst: '10.0.0.9', sport: 5000, dport: 81, flags: SYN, seq: 77, ipId: 6 }));
  assert.equal(group(l, '10.0.0.1'), null);
});

test('copies further apart than decoy-window are not linked', () => {
  const l = new DecoyLinker(opts);
  for (let port = 1; port <= 10; port++) {
    l.onPacket(tcp({ ts: 100 + port * 10, src: '10.0.0.1', dst: '10.0.0.9', sport: 5000, dport: port, flags: SYN, seq: 1, ipId: port }));
    l.onPacket(tcp({ ts: 102 + port * 10, src: '10.0.0.2', dst: '10.0.0.9', sport: 5000, dport: port, flags: SYN, seq: 1, ipId: port }));
  }
  assert.equal(group(l, '10.0.0.1'), null);
});

test('a busy server: many clients connecting to one port at the same instants are never linked', () => {
  const l = new DecoyLinker(opts);
  let ts = 200;
  for (let round = 0; round < 100; round++) {
    for (let c = 1; c <= 40; c++) {
      const src = `192.0.2.${c}`;
      const sport = 30000 + ((round * 41 + c) % 30000);
      l.onPacket(tcp({ ts, src, dst: '10.9.0.4', sport, dport: 443, flags: SYN, options: 'os', window: 64240, seq: (round * 7919 + c * 104729) >>> 0, ipId: 0 }));
      l.onPacket(tcp({ ts: ts + 0.0002, src, dst: '10.9.0.4', sport, dport: 443, flags: ACK, window: 502, seq: (round * 7919 + c * 104729 + 1) >>> 0, ipId: 0 }));
      ts += 0.0001;
    }
  }
  assert.equal(l.copies, 0);
  assert.equal(l.groups.members, 0);
});

test('groups are bounded (decoy-max-members) and expire in packet time', () => {
  const l = new DecoyLinker({ ...opts, maxMembers: 4, idle: 60 });
  let ts = 300;
  for (let pair = 0; pair < 4; pair++) {
    for (let port = 1; port <= 3; port++) {
      for (const src of [`10.1.${pair}.1`, `10.1.${pair}.2`]) l.onPacket(tcp({ ts, src, dst: '10.0.0.9', sport: 6000 + pair, dport: port, flags: SYN, seq: pair, ipId: port }));
      ts += 0.001;
    }
  }
  assert.equal(l.groups.members, 4);
  assert.ok(l.groups.dropped > 0);
  l.tick(ts + 61);
  assert.equal(l.groups.members, 0);
  assert.equal(l.groups.expired, 4);
});
