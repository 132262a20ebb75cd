/**
 * Fuzz entry point for the capture readers and everything behind them, as
 * gopacket's layers/fuzz_layer.go is for its decoders: `fuzzCapture(bytes)`
 * reads the bytes as a capture file (pcap or pcapng, by magic) with the real
 * parsers, runs every packet through decode and every detector with default
 * params, and formats every record the way the outputs do (console at
 * verbose 3, JSON Lines, alert CSV, Peng's CSV, InfluxDB lines). It must
 * never throw, and the counters must add up. `mutate` makes the inputs from a
 * seed corpus; test/fuzz/fuzz.test.ts runs it for a few seconds in the
 * suite, `node --import tsx test/fuzz/run.ts SECONDS` for a campaign.
 */
import { stringify } from 'csv-stringify/sync';
import { u32 } from '../../src/decode/bytes.js';
import { isPcapMagic, PcapParser } from '../../src/capture/pcap.js';
import { PCAPNG_SHB, PcapngParser } from '../../src/capture/pcapng.js';
import type { RecordParser } from '../../src/capture/record-parser.js';
import { parseCli } from '../../src/config/cli.js';
import type { ModuleContext } from '../../src/module.js';
import { createDetectors } from '../../src/assemble/assemble.js';
import { ALL_MODULES } from '../../src/assemble/registry.js';
import { CidrSet } from '../../src/decode/cidr-set.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { Pipeline } from '../../src/pipeline.js';
import { alertRow } from '../../src/sink/alerts-csv.js';
import { ConsoleSink, formatStats } from '../../src/sink/console.js';
import { formatScanEventLine } from '../../src/sink/event-line.js';
import { goTime } from '../../src/sink/go-time.js';
import { timestampMicros } from '../../src/sink/influx/line-protocol.js';
import { alertRecord } from '../../src/sink/jsonl.js';
import type { SensorRecord } from '../../src/sink/schema.js';
import { StatsRegistry } from '../../src/stats/counters.js';
export { rng } from '../helpers/rng.js';

export interface FuzzResult {
  /** 'pcap', 'pcapng', or 'rejected' (bad magic, shorter than a header). */
  format: string;
  packets: number;
  damaged: boolean;
  records: number;
  counters: Record<string, number>;
}

// Small tables (the fuzz inputs hold ~120 packets): building the default ones (500,000 contacts) dominates a run.
const DEFAULTS = parseCli(
  ['-verbose', '3', '-timeFrame', '1s', '--max-sources', '256', '--max-contacts', '4096', '--max-pending', '4096', '--slow-max-sources', '256', '--udp-max-sources', '256'],
  ALL_MODULES,
);

/** Read `bytes` as a whole capture file, through decode, detectors and formatters. Throws only on a bug. */
export function fuzzCapture(bytes: Uint8Array): FuzzResult {
  const stats = new StatsRegistry();
  let records = 0;
  let text = 0;
  const consoleSink = new ConsoleSink(3, (t) => (text += t.length), formatScanEventLine);
  const emit = (r: SensorRecord): void => {
    records++;
    consoleSink.write(r);
    if (r.kind === 'scan') {
      const a = alertRecord(r);
      text += JSON.stringify(a).length + stringify([alertRow(a)]).length + timestampMicros(r.ts).length;
    } else if (r.kind === 'frame') {
      text += stringify([[goTime(r.end), r.client.toFixed(6), r.server.toFixed(6)]]).length + timestampMicros(r.end).length;
    }
  };
  const ctx: ModuleContext = {
    params: DEFAULTS,
    emit,
    stats,
    localNets: CidrSet.parse(['10.0.0.0/8'], '--local-net'),
    verbose: 3,
    warn: () => {},
    trace: (l) => consoleSink.line(l),
    sensorName: 'fuzz',
    sourceName: 'fuzz',
  };
  const detectors = createDetectors(ctx);
  const pipeline = new Pipeline(detectors, stats);
  const view = new PacketView();
  const offsetOf = (i: number) => i;
  let parser: RecordParser | null = null;
  if (bytes.length >= 4) {
    const magic = u32(bytes, 0);
    if (isPcapMagic(magic)) parser = new PcapParser(view, pipeline.onPacket, offsetOf);
    else if (magic === PCAPNG_SHB) parser = new PcapngParser(view, pipeline.onPacket, offsetOf);
  }
  if (parser) {
    // The whole file is in the buffer: one parse call reads every complete record.
    parser.parse(bytes, 0, bytes.length);
    pipeline.tick(pipeline.now + 1);
    pipeline.flush();
  }
  const counters = stats.snapshot();
  text += formatStats({ kind: 'stats', ts: pipeline.now, counters }).length;
  consoleSink.flush();
  return { format: parser?.format ?? 'rejected', packets: parser?.packets ?? 0, damaged: parser?.damage != null, records, counters };
}

/** What must hold for every input: every packet handed on is accounted for exactly once. */
export function checkCounters(r: FuzzResult): string | null {
  const c = r.counters;
  if (c['packets.seen'] !== r.packets) return `packets.seen ${c['packets.seen']} != parser packets ${r.packets}`;
  let skipped = c['packets.bad_time'] ?? 0;
  for (const k of Object.keys(c)) if (k.startsWith('decode.')) skipped += c[k];
  if (c['packets.decoded'] + skipped !== c['packets.seen']) {
    return `decoded ${c['packets.decoded']} + skipped ${skipped} != seen ${c['packets.seen']}`;
  }
  for (const [k, v] of Object.entries(c)) if (!Number.isFinite(v) || v < 0) return `counter ${k} = ${v}`;
  return null;
}


/** Values that break length, time and offset fields: zero, all ones, signs, powers of two. */
const WORDS = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x40000, 65535, 16, 24, 28];

/** 1..4 mutations of `seed`: bit flips, interesting words (lengths, times, options), cuts, splices, repeats. */
export function mutate(seed: Uint8Array, r: () => number): Uint8Array {
  let b = new Uint8Array(seed);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * b.length);
    switch (Math.floor(r() * 8)) {
      case 0:
        b[at] ^= 1 << Math.floor(r() * 8);
        break;
      case 1:
        b[at] = Math.floor(r() * 256);
        break;
      case 2:
      case 3: {
        // A 32-bit word aligned as record fields are: the likeliest to be a length or a time.
        const w = WORDS[Math.floor(r() * WORDS.length)] >>> 0;
        const p = at & ~3;
        if (p + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(p, w, r() < 0.5);
        break;
      }
      case 4:
        b = b.subarray(0, at);
        break;
      case 5: {
        // Repeat a slice (option floods, duplicated blocks).
        const len = 1 + Math.floor(r() * 64);
        const copies = 1 + Math.floor(r() * 32);
        const slice = b.subarray(at, at + len);
        const out = new Uint8Array(b.length + slice.length * copies);
        out.set(b.subarray(0, at), 0);
        for (let i = 0; i < copies; i++) out.set(slice, at + i * slice.length);
        out.set(b.subarray(at), at + slice.length * copies);
        b = out;
        break;
      }
      case 6: {
        // Delete a slice.
        const len = Math.min(1 + Math.floor(r() * 64), b.length - at);
        const out = new Uint8Array(b.length - len);
        out.set(b.subarray(0, at), 0);
        out.set(b.subarray(Math.min(b.length, at + len)), at);
        b = out;
        break;
      }
      default: {
        // Random bytes in place.
        const len = 1 + Math.floor(r() * 16);
        for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = Math.floor(r() * 256);
      }
    }
  }
  return b;
}
