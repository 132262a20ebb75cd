/**
 * Flow input rates, flows/s (figures, never assertions):
 * - nProbe JSON: line splitting, JSON.parse, field reading and view filling,
 *   in process; then the same lines through NprobeJsonSource over loopback TCP;
 * - NetFlow v9 (softflowd-style 10-field template, 28 records a datagram)
 *   and IPFIX: datagram decoding and view filling, in process.
 * View filling includes the batch sort and pairing at the default batch size.
 * Run: node --import tsx bench/flows.bench.ts  (FLOWS_BENCH_N to change the flow count)
 */
import { connect } from 'node:net';
import { once } from 'node:events';
import { FlowRecord } from '../src/capture/flows/flow-record.js';
import { FlowViews, type FlowViewOptions } from '../src/capture/flows/flow-views.js';
import { LineSplitter } from '../src/capture/flows/line-splitter.js';
import { NetflowDecoder } from '../src/capture/flows/netflow-decoder.js';
import { JsonBad, NprobeJsonParser } from '../src/capture/flows/nprobe-json.js';
import { NprobeJsonSource } from '../src/capture/flows/nprobe-source.js';

const N = Number(process.env.FLOWS_BENCH_N ?? 300_000);
const VIEWS: FlowViewOptions = { time: 'flow', holdMs: 60_000, maxHeld: 65_536, maxRepeat: 8 };
const T0 = 1_700_000_000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A flow mix: a vertical SYN scan answered by RSTs, web clients with handshakes, DNS. */
interface F {
  src: number;
  dst: number;
  proto: number;
  sport: number;
  dport: number;
  flags: number;
  packets: number;
  bytes: number;
  start: number;
}

function flows(n: number): F[] {
  const out: F[] = [];
  for (let i = 0; out.length < n; i++) {
    const t = T0 + i / 1000;
    const kind = i % 4;
    if (kind === 0) {
      out.push({ src: 0x0a000001, dst: 0x0a000002, proto: 6, sport: 40000, dport: 1 + (i % 65535), flags: 0x02, packets: 1, bytes: 44, start: t });
      out.push({ src: 0x0a000002, dst: 0x0a000001, proto: 6, sport: 1 + (i % 65535), dport: 40000, flags: 0x14, packets: 1, bytes: 40, start: t });
    } else if (kind === 1 || kind === 2) {
      const client = 0x0a010000 + (i % 5000);
      const server = 0xc0000200 + (i % 200);
      const port = 32768 + (i % 28000);
      out.push({ src: client, dst: server, proto: 6, sport: port, dport: 443, flags: 0x1b, packets: 12, bytes: 2400, start: t });
      out.push({ src: server, dst: client, proto: 6, sport: 443, dport: port, flags: 0x1b, packets: 10, bytes: 9000, start: t });
    } else {
      out.push({ src: 0x0a010000 + (i % 5000), dst: 0x08080808, proto: 17, sport: 32768 + (i % 28000), dport: 53, flags: 0, packets: 1, bytes: 70, start: t });
    }
  }
  return out.slice(0, n);
}

const ip = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

function jsonLines(fs: F[]): Buffer[] {
  const text = fs
    .map((f) =>
      JSON.stringify({
        IPV4_SRC_ADDR: ip(f.src),
        IPV4_DST_ADDR: ip(f.dst),
        PROTOCOL: f.proto,
        L4_SRC_PORT: f.sport,
        L4_DST_PORT: f.dport,
        TCP_FLAGS: f.flags,
        IN_PKTS: f.packets,
        IN_BYTES: f.bytes,
        FLOW_START_MILLISECONDS: Math.round(f.start * 1000),
        FLOW_END_MILLISECONDS: Math.round(f.start * 1000) + 5,
      }),
    )
    .join('\n');
  const all = Buffer.from(text + '\n');
  const chunks: Buffer[] = [];
  for (let o = 0; o < all.length; o += 65536) chunks.push(all.subarray(o, o + 65536));
  return chunks;
}

const be16 = (b: number[], v: number) => b.push((v >> 8) & 255, v & 255);
const be32 = (b: number[], v: number) => b.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);

/** softflowd's v9 layout: addresses, LAST/FIRST_SWITCHED, bytes, packets, ports, protocol, flags (30 bytes). */
function v9Datagrams(fs: F[], perDatagram = 28): Uint8Array[] {
  const fields = [8, 4, 12, 4, 21, 4, 22, 4, 1, 4, 2, 4, 7, 2, 11, 2, 4, 1, 6, 1];
  const out: Uint8Array[] = [];
  for (let i = 0, seq = 0; i < fs.length; i += perDatagram, seq++) {
    const b: number[] = [];
    be16(b, 9);
    be16(b, 0);
    be32(b, 3_600_000);
    be32(b, T0 + 3600);
    be32(b, seq);
    be32(b, 0);
    if (seq % 16 === 0) {
      be16(b, 0);
      be16(b, 4 + 4 + fields.length * 2);
      be16(b, 1024);
      be16(b, fields.length / 2);
      for (const x of fields) be16(b, x);
    }
    const recs = fs.slice(i, i + perDatagram);
    be16(b, 1024);
    be16(b, 4 + recs.length * 30);
    for (const f of recs) {
      const up = Math.round((f.start - T0) * 1000);
      be32(b, f.src);
      be32(b, f.dst);
      be32(b, up + 5);
      be32(b, up);
      be32(b, f.bytes);
      be32(b, f.packets);
      be16(b, f.sport);
      be16(b, f.dport);
      b.push(f.proto, f.flags);
    }
    out.push(Uint8Array.from(b));
  }
  return out;
}

/** The same flows as IPFIX with flowStartMilliseconds/flowEndMilliseconds (8 bytes each). */
function ipfixMessages(fs: F[], perMessage = 28): Uint8Array[] {
  const fields = [8, 4, 12, 4, 152, 8, 153, 8, 1, 4, 2, 4, 7, 2, 11, 2, 4, 1, 6, 1];
  const out: Uint8Array[] = [];
  for (let i = 0, n = 0; i < fs.length; i += perMessage, n++) {
    const b: number[] = [];
    const recs = fs.slice(i, i + perMessage);
    const tpl = n % 16 === 0;
    const len = 16 + (tpl ? 8 + fields.length * 2 : 0) + 4 + recs.length * 38;
    be16(b, 10);
    be16(b, len);
    be32(b, T0 + 3600);
    be32(b, i);
    be32(b, 1);
    if (tpl) {
      be16(b, 2);
      be16(b, 8 + fields.length * 2);
      be16(b, 1024);
      be16(b, fields.length / 2);
      for (const x of fields) be16(b, x);
    }
    be16(b, 1024);
    be16(b, 4 + recs.length * 38);
    for (const f of recs) {
      const ms = Math.round(f.start * 1000);
      be32(b, f.src);
      be32(b, f.dst);
      be32(b, Math.floor(ms / 0x100000000));
      be32(b, ms >>> 0);
      be32(b, Math.floor((ms + 5) / 0x100000000));
      be32(b, (ms + 5) >>> 0);
      be32(b, f.bytes);
      be32(b, f.packets);
      be16(b, f.sport);
      be16(b, f.dport);
      b.push(f.proto, f.flags);
    }
    out.push(Uint8Array.from(b));
  }
  return out;
}

interface Rate {
  flows: number;
  views: number;
  seconds: number;
}

function best(runs: number, once: () => Rate): Rate {
  once(); // warm-up
  let top: Rate | null = null;
  for (let i = 0; i < runs; i++) {
    const r = once();
    if (top === null || r.seconds < top.seconds) top = r;
  }
  return top!;
}

function jsonInProcess(chunks: Buffer[]): Rate {
  const views = new FlowViews(VIEWS);
  let n = 0;
  views.handler = () => {
    n++;
  };
  const parser = new NprobeJsonParser();
  const rec = new FlowRecord();
  const splitter = new LineSplitter(65536);
  let flowsRead = 0;
  const t0 = process.hrtime.bigint();
  for (const c of chunks) {
    splitter.push(c, (b, s, e) => {
      const o = JSON.parse(b.toString('utf8', s, e)) as Record<string, unknown>;
      if (parser.parse(o, rec) === JsonBad.NONE) {
        flowsRead++;
        views.add(rec, T0);
      }
    });
  }
  views.close();
  return { flows: flowsRead, views: n, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function datagramsInProcess(ds: Uint8Array[], withViews = true): Rate {
  const views = new FlowViews(VIEWS);
  let n = 0;
  views.handler = () => {
    n++;
  };
  const d = new NetflowDecoder({ maxTemplates: 100, maxExporters: 10 }, withViews ? (rec, arrival) => views.add(rec, arrival) : () => {});
  const t0 = process.hrtime.bigint();
  for (const g of ds) d.decode(g, '192.0.2.1:2055', T0);
  views.close();
  return { flows: d.records, views: n, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function jsonOverTcp(chunks: Buffer[], expected: number): Promise<Rate> {
  const src = new NprobeJsonSource({ listen: { host: '127.0.0.1', port: 0 }, maxLine: 65536, maxConnections: 4, warnInterval: 60, views: { ...VIEWS, holdMs: 50 }, warn: () => {} });
  let n = 0;
  const run = src.run(() => {
    n++;
  });
  while (src.port === 0) await new Promise((r) => setTimeout(r, 5));
  const s = connect(src.port, '127.0.0.1');
  await once(s, 'connect');
  const t0 = process.hrtime.bigint();
  for (const c of chunks) if (!s.write(c)) await once(s, 'drain');
  s.end();
  while (src.flows < expected || src.views.held > 0) await new Promise((r) => setImmediate(r));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  src.stop();
  await run;
  return { flows: src.flows, views: n, seconds };
}

function line(what: string, r: Rate): void {
  console.log(`| ${what} | ${fmt(r.flows / r.seconds)} | ${fmt(r.views / r.seconds)} | ${fmt(r.flows)} |`);
}

async function main(): Promise<void> {
  const fs = flows(N);
  const chunks = jsonLines(fs);
  const v9 = v9Datagrams(fs);
  const ipfix = ipfixMessages(fs);
  console.log('\n## Flow inputs (flows/s, decoding + packet views, single thread)');
  console.log('| input | flows/s | views/s | flows |');
  console.log('|---|---|---|---|');
  line('nProbe JSON, in process', best(3, () => jsonInProcess(chunks)));
  line('nProbe JSON, over loopback TCP', await jsonOverTcp(chunks, N));
  line(`NetFlow v9, decoding only (${v9.length} datagrams)`, best(3, () => datagramsInProcess(v9, false)));
  line(`NetFlow v9, in process (${v9.length} datagrams)`, best(3, () => datagramsInProcess(v9)));
  line(`IPFIX, in process (${ipfix.length} messages)`, best(3, () => datagramsInProcess(ipfix)));
  console.log(`\nViews are sorted and paired per batch of up to ${fmt(VIEWS.maxHeld)} flow directions (--flow-max-held); entries and views are pooled.`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
