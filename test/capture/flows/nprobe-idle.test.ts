/**
 * Slow clients against the nProbe listener: clients trickling bytes (never a
 * whole line) hold every slot only until --flows-idle-timeout; then a real
 * exporter gets in and its flows are read. The idle clock is injected (as
 * warn-limiter.ts's), so nothing here depends on how fast the machine is.
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

function listener(clock: () => number, warnings: string[] = []): NprobeJsonSource {
  return new NprobeJsonSource({
    listen: { host: '127.0.0.1', port: 0 },
    maxLine: 4096,
    maxConnections: 4,
    idleTimeout: 60,
    clock,
    warnInterval: 10,
    views: { time: 'flow', holdMs: 0, maxHeld: 1000, maxRepeat: 8 },
    warn: (l) => warnings.push(l),
  });
}

test('clients trickling bytes are closed after --flows-idle-timeout without a whole line; a real exporter then gets a slot', async () => {
  let now = 1_000_000;
  const warnings: string[] = [];
  const src = listener(() => now, warnings);
  const run = src.run(() => {});
  const slow: Socket[] = [];
  try {
    await waitFor('src.port !== 0', () => src.port !== 0, 60_000);
    for (let i = 0; i < 4; i++) slow.push(await open(src.port));
    await waitFor('four slow clients connected', () => src.connectionsOpen === 4, 60_000);
    const refused = await open(src.port);
    await waitFor('the fifth connection refused', () => src.connectionsRefused === 1, 60_000);
    refused.destroy();
    // A byte every "second" for 59 s: no whole line, so no progress.
    for (let t = 1; t < 60; t++) {
      const bytes = src.bytes;
      now += 1000;
      for (const s of slow) s.write('{');
      await waitFor(`trickle ${t}`, () => src.bytes === bytes + 4, 60_000);
      src.closeIdle();
      assert.equal(src.connectionsIdle, 0, `closed early, at ${t} s`);
    }
    now += 1001;
    src.closeIdle();
    assert.equal(src.connectionsIdle, 4);
    assert.equal(src.connectionsOpen, 0);
    assert.ok(warnings.some((w) => /no complete line for 60 s \(--flows-idle-timeout\)/.test(w)), warnings.join('\n'));
    const exporter = await open(src.port);
    exporter.write(LINE);
    await waitFor("the exporter's flow read", () => src.flows === 1, 60_000);
    exporter.destroy();
  } finally {
    for (const s of slow) s.destroy();
    src.stop();
    await run;
  }
});

test('an exporter sending whole lines, however far apart within the timeout, is never closed as idle', async () => {
  let now = 1_000_000;
  const src = listener(() => now);
  const run = src.run(() => {});
  try {
    await waitFor('src.port !== 0', () => src.port !== 0, 60_000);
    const exporter = await open(src.port);
    // One line every 50 s for 500 s: far past the 60 s timeout in total, each within it.
    for (let i = 0; i < 10; i++) {
      now += 50_000;
      const lines = src.lines;
      exporter.write(LINE);
      await waitFor(`line ${i}`, () => src.lines === lines + 1, 60_000);
      src.closeIdle();
    }
    assert.equal(src.connectionsIdle, 0);
    assert.equal(src.connectionsOpen, 1);
    exporter.destroy();
  } finally {
    src.stop();
    await run;
  }
});
