/**
 * Slow clients against the nProbe listener: clients trickling bytes (never a
 * whole line) hold every slot only until --flows-idle-timeout; then a real
 * exporter gets in and its flows are read.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { NprobeJsonSource } from '../../../src/capture/flows/nprobe-source.js';
import { waitFor } from './helpers.js';

const LINE = JSON.stringify({ IPV4_SRC_ADDR: '10.0.0.1', IPV4_DST_ADDR: '10.0.0.2', PROTOCOL: 6, L4_SRC_PORT: 40000, L4_DST_PORT: 22, TCP_FLAGS: 2, IN_PKTS: 1 }) + '\n';

async function open(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  await once(s, 'connect');
  return s;
}

test('clients trickling one byte at a time are closed after --flows-idle-timeout; a real exporter then gets a slot', async () => {
  const warnings: string[] = [];
  const src = new NprobeJsonSource({
    listen: { host: '127.0.0.1', port: 0 },
    maxLine: 4096,
    maxConnections: 4,
    idleTimeout: 0.4,
    warnInterval: 10,
    views: { time: 'flow', holdMs: 0, maxHeld: 1000, maxRepeat: 8 },
    warn: (l) => warnings.push(l),
  });
  let viewsSeen = 0;
  const run = src.run(() => viewsSeen++);
  try {
    await waitFor('src.port !== 0', () => src.port !== 0, 10_000);
    const slow = await Promise.all([0, 1, 2, 3].map(() => open(src.port)));
    await waitFor('four slow clients connected', () => src.connectionsOpen === 4, 10_000);
    // Trickle: one byte of a never-ending JSON line every 20 ms, on every slot.
    const trickle = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write('{');
    }, 20);
    try {
      const refused = await open(src.port);
      await waitFor('the fifth connection refused', () => src.connectionsRefused === 1, 10_000);
      refused.destroy();
      await waitFor('the slow clients closed as idle', () => src.connectionsIdle === 4, 10_000);
      const exporter = await open(src.port);
      exporter.write(LINE);
      await waitFor('the exporter\'s flow read', () => src.flows === 1, 10_000);
      exporter.end();
    } finally {
      clearInterval(trickle);
      for (const s of slow) s.destroy();
    }
    assert.equal(src.connectionsIdle, 4);
    assert.ok(warnings.some((w) => /no complete line for 0\.4 s \(--flows-idle-timeout\)/.test(w)), warnings.join('\n'));
  } finally {
    src.stop();
    await run;
  }
});

test('an exporter sending whole lines is never closed as idle', async () => {
  const src = new NprobeJsonSource({
    listen: { host: '127.0.0.1', port: 0 },
    maxLine: 4096,
    maxConnections: 4,
    idleTimeout: 0.4,
    warnInterval: 10,
    views: { time: 'flow', holdMs: 0, maxHeld: 1000, maxRepeat: 8 },
    warn: () => {},
  });
  const run = src.run(() => {});
  try {
    await waitFor('src.port !== 0', () => src.port !== 0, 10_000);
    const exporter = await open(src.port);
    // 30 lines, one every 50 ms: 1.5 s, well past the 0.4 s timeout, each within it.
    for (let i = 0; i < 30; i++) {
      exporter.write(LINE);
      const before = src.lines;
      await waitFor(`line ${i}`, () => src.lines > before, 10_000);
      await new Promise((r) => setTimeout(r, 50)); // pacing of the exporter, not a wait for a condition
    }
    assert.equal(src.connectionsIdle, 0);
    assert.equal(src.connectionsOpen, 1);
    exporter.destroy();
  } finally {
    src.stop();
    await run;
  }
});
