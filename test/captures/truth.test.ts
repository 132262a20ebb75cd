/**
 * Replays every public capture in ../shared/captures (never copied into the
 * repo) through FileSource + decode + the scan engine with default params,
 * and checks the alerts against truth.json:
 * - every listed scanner is named, each phase's technique on a start or
 *   update event, with the right pattern and (where given) tool;
 * - benign sources are never named; optional ones may go either way;
 * - any other named source is a failure;
 * - every scan id has exactly one start (first) and one end (last).
 * A summary line per scanner (probes and seconds to the start event) is
 * printed as a test diagnostic.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_CAPTURES } from '../helpers/cli.js';
import test from 'node:test';
import { FileSource } from '../../src/capture/file-source.js';
import { decode } from '../../src/decode/decode.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { createScanEngine } from '../../src/assemble/scan-engine.js';
import { isoTime, type ScanEvent } from '../../src/sink/schema.js';

const CAPTURES = SHARED_CAPTURES;

interface Expected {
  ip: string;
  technique: string;
  pattern: string;
  tool?: string;
}

interface Truth {
  scanners: Expected[];
  benign?: string[];
  optional?: string[];
}

async function replay(path: string): Promise<ScanEvent[]> {
  const events: ScanEvent[] = [];
  const { engine } = createScanEngine({ onEvent: (e) => events.push(e) });
  let now = 0;
  await new FileSource(path).run((v) => {
    if (decode(v) !== DecodeStatus.OK) return;
    if (v.ts > now) now = v.ts;
    engine.onPacket(v);
  });
  engine.flush(now);
  return events;
}

if (!existsSync(join(CAPTURES, 'truth.json'))) {
  test('captures vs truth.json', { skip: `no captures at ${CAPTURES} (the shared folder ../shared is absent): nothing to replay` }, () => {});
} else {
  const truth = JSON.parse(readFileSync(join(CAPTURES, 'truth.json'), 'utf8')) as Record<string, Truth | string>;
  const files = readdirSync(CAPTURES);

  for (const [name, entry] of Object.entries(truth)) {
    if (typeof entry === 'string') continue; // _comment
    const file = files.find((f) => f === `${name}.pcap` || f === `${name}.pcapng`);
    test(`capture ${name}`, async (t) => {
      assert.ok(file, `${name}: listed in truth.json but no ${name}.pcap(ng) in ${CAPTURES}`);
      const events = await replay(join(CAPTURES, file));
      const byScanner = new Map<string, ScanEvent[]>();
      for (const e of events) byScanner.set(e.scanner, [...(byScanner.get(e.scanner) ?? []), e]);

      // Lifecycle: one start first, one end last, per scan id.
      const byId = new Map<string, ScanEvent[]>();
      for (const e of events) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
      for (const [id, ev] of byId) {
        assert.equal(ev[0].event, 'start', `${id}: first event is ${ev[0].event}`);
        assert.equal(ev.filter((e) => e.event === 'start').length, 1, `${id}: one start`);
        assert.equal(ev.filter((e) => e.event === 'end').length, 1, `${id}: one end`);
        assert.equal(ev[ev.length - 1].event, 'end', `${id}: last event is the end`);
      }

      const expectedIps = new Set(entry.scanners.map((s) => s.ip));
      for (const ip of expectedIps) {
        const ev = byScanner.get(ip) ?? [];
        assert.ok(ev.length > 0, `${name}: scanner ${ip} was not named`);
        const phases: Expected[] = entry.scanners.filter((s) => s.ip === ip);
        const shown = new Set(ev.filter((e) => e.event !== 'end').flatMap((e) => e.technique));
        const last = ev[ev.length - 1];
        for (const p of phases) {
          assert.ok(shown.has(p.technique as never), `${name}: ${ip} phase ${p.technique} not on any start/update (saw ${[...shown].join(', ')})`);
          assert.equal(last.pattern, p.pattern, `${name}: ${ip} pattern`);
          if (p.tool) assert.equal(last.tool, p.tool, `${name}: ${ip} tool (${last.toolEvidence})`);
        }
        if (phases.length === 1) {
          assert.equal(last.technique[0], phases[0].technique, `${name}: ${ip} main technique at the end (${last.technique.join(', ')})`);
        }
        const start = ev.find((e) => e.event === 'start')!;
        t.diagnostic(
          `${ip}: start ${isoTime(start.ts)} after ${start.probesToDetect} probes, ${(start.ts - start.firstSeen).toFixed(3)} s after its first probe; ` +
            `techniques ${[...shown].join('+')}; end: ${last.technique.join('+')} ${last.pattern} tool=${last.tool} ` +
            `targets=${last.targets} ports=${last.ports} probes=${last.probes} failures=${last.failures}; ` +
            `${ev.length} events, detectors ${last.detectors.map((d) => d.name).join('+')}`,
        );
      }
      for (const ip of entry.benign ?? []) {
        assert.equal(byScanner.get(ip)?.length ?? 0, 0, `${name}: benign ${ip} was named: ${JSON.stringify(byScanner.get(ip)?.[0])}`);
      }
      const optional = new Set(entry.optional ?? []);
      for (const [ip, ev] of byScanner) {
        if (expectedIps.has(ip)) continue;
        if (optional.has(ip)) {
          t.diagnostic(`optional ${ip} named: ${ev[0].technique.join('+')} ${ev[0].pattern} after ${ev[0].probesToDetect} probes`);
          continue;
        }
        assert.fail(`${name}: ${ip} named but not in truth.json: ${ev[0].technique.join('+')} ${ev[0].pattern} ${ev[0].detectors.map((d) => d.name).join('+')}`);
      }
    });
  }
}
