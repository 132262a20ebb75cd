import { FlowRecord, type FlowSink } from './flow-record.js';
import { u16, u32 } from '../../decode/bytes.js';
import { readDataRecord, readOptionsRecord, type RecordClock } from './nf-record.js';
import { TemplateSessions, type Domain, type SessionLimits } from './nf-sessions.js';
import { compileTemplate, type Template } from './nf-template.js';

/**
 * NetFlow v5, v9 and IPFIX export datagrams into FlowRecords. Templates are
 * kept per exporter session and observation domain (nf-sessions.ts). The
 * decoder never throws on input: short or inconsistent datagrams, sets and
 * templates, data whose template has not arrived yet and unknown set ids are
 * counted (and reported through `onProblem`), and decoding goes on with the
 * next set or datagram.
 */

export interface NetflowDecoderOptions extends SessionLimits {
  /** A problem worth a (rate-limited) warning: reason key and a line built on demand. */
  readonly onProblem?: (reason: string, make: () => string) => void;
}

const V5_HEADER = 24;
const V5_RECORD = 48;
const V9_HEADER = 20;
const IPFIX_HEADER = 16;

export class NetflowDecoder {
  /** Templates and domains per exporter, with their caps (nf-sessions.ts). */
  readonly store: TemplateSessions;
  private readonly rec = new FlowRecord();
  private readonly clock: RecordClock = { exportMs: 0, uptimeMs: NaN, sysInitMs: NaN, timeUnknown: false };
  private readonly options = { sysInitMs: NaN };
  private readonly why: string[] = [''];
  private exporter = '';
  private arrival = 0;
  private ipfixDataRecords = 0;

  // counters
  datagrams = 0;
  /** Bytes of the datagrams given to decode(). */
  bytes = 0;
  v5 = 0;
  v9 = 0;
  ipfix = 0;
  badVersion = 0;
  truncated = 0;
  badSet = 0;
  badTemplate = 0;
  badRecord = 0;
  noTemplate = 0;
  unknownSet = 0;
  optionsRecords = 0;
  records = 0;
  recordsNoIp = 0;
  sequenceLost = 0;
  timeUnknown = 0;

  constructor(
    private readonly o: NetflowDecoderOptions,
    private readonly sink: FlowSink,
  ) {
    this.store = new TemplateSessions(o, (reason, what) => this.problem(reason, what));
  }

  /** One export datagram from `exporter` ("address:port"), arrived at `arrival` (s). */
  decode(b: Uint8Array, exporter: string, arrival: number): void {
    this.datagrams++;
    this.bytes += b.length;
    this.exporter = exporter;
    this.arrival = arrival;
    if (b.length < 2) {
      this.problem('truncated', `a ${b.length}-byte datagram`);
      this.truncated++;
      return;
    }
    const version = u16(b, 0);
    if (version === 5) this.decodeV5(b);
    else if (version === 9) this.decodeV9(b);
    else if (version === 10) this.decodeIpfix(b);
    else {
      this.badVersion++;
      this.problem('bad_version', `version ${version} (send NetFlow v5, v9 or IPFIX)`);
    }
  }

  // ------------------------------------------------------------------ v5

  private decodeV5(b: Uint8Array): void {
    this.v5++;
    if (b.length < V5_HEADER) return this.short(`a ${b.length}-byte v5 datagram`);
    const count = u16(b, 2);
    if (V5_HEADER + count * V5_RECORD > b.length) {
      return this.short(`v5 header says ${count} flows, the datagram holds ${Math.floor((b.length - V5_HEADER) / V5_RECORD)}`);
    }
    const uptime = u32(b, 4);
    const exportMs = u32(b, 8) * 1000 + Math.floor(u32(b, 12) / 1e6);
    const seq = u32(b, 16);
    const d = this.store.domain(5, this.exporter, u16(b, 20));
    if (d === null) return;
    this.sequence(d, seq, count);
    const rec = this.rec;
    for (let i = 0; i < count; i++) {
      const o = V5_HEADER + i * V5_RECORD;
      rec.reset();
      rec.ipVersion = 4;
      rec.src4 = u32(b, o);
      rec.dst4 = u32(b, o + 4);
      rec.packets = u32(b, o + 16);
      rec.bytes = u32(b, o + 20);
      rec.start = (exportMs - ((uptime - u32(b, o + 24)) | 0)) / 1000;
      rec.end = Math.max(rec.start, (exportMs - ((uptime - u32(b, o + 28)) | 0)) / 1000);
      rec.sport = u16(b, o + 32);
      rec.dport = u16(b, o + 34);
      rec.tcpFlags = b[o + 37];
      rec.proto = b[o + 38];
      this.records++;
      this.sink(rec, this.arrival);
    }
  }

  // ------------------------------------------------------------------ v9

  private decodeV9(b: Uint8Array): void {
    this.v9++;
    if (b.length < V9_HEADER) return this.short(`a ${b.length}-byte v9 datagram`);
    const clock = this.clock;
    clock.uptimeMs = u32(b, 4);
    clock.exportMs = u32(b, 8) * 1000;
    clock.sysInitMs = NaN;
    const d = this.store.domain(9, this.exporter, u32(b, 16));
    if (d === null) return;
    this.sequence(d, u32(b, 12), 1);
    let o = V9_HEADER;
    while (o + 4 <= b.length) {
      const id = u16(b, o);
      const len = u16(b, o + 2);
      if (len < 4 || o + len > b.length) {
        this.badSet++;
        this.problem('bad_set', `v9 flowset ${id} of length ${len} at byte ${o} of ${b.length}`);
        return;
      }
      if (id === 0) this.v9Templates(b, o + 4, o + len, d);
      else if (id === 1) this.v9OptionsTemplates(b, o + 4, o + len, d);
      else if (id >= 256) this.dataSet(b, o + 4, o + len, id, d, 9);
      else this.unknownSet++;
      o += len;
    }
  }

  private v9Templates(b: Uint8Array, p: number, end: number, d: Domain): void {
    while (p + 4 <= end) {
      const tid = u16(b, p);
      const count = u16(b, p + 2);
      if (tid === 0 && count === 0) return; // padding
      if (tid < 256 || count === 0 || p + 4 + 4 * count > end) {
        return this.rejectTemplate(`v9 template ${tid} with ${count} fields in ${end - p} bytes`);
      }
      const ids: number[] = [];
      const pens: number[] = [];
      const lens: number[] = [];
      for (let i = 0; i < count; i++) {
        ids.push(u16(b, p + 4 + 4 * i));
        pens.push(0);
        lens.push(u16(b, p + 6 + 4 * i));
      }
      this.addTemplate(d, compileTemplate(tid, false, 0, ids, pens, lens, this.why), tid);
      p += 4 + 4 * count;
    }
  }

  private v9OptionsTemplates(b: Uint8Array, p: number, end: number, d: Domain): void {
    while (p + 6 <= end) {
      const tid = u16(b, p);
      const scopeLen = u16(b, p + 2);
      const optLen = u16(b, p + 4);
      if (tid === 0) return; // padding
      if (tid < 256 || scopeLen % 4 !== 0 || optLen % 4 !== 0 || p + 6 + scopeLen + optLen > end) {
        return this.rejectTemplate(`v9 options template ${tid} (scope ${scopeLen}, options ${optLen} bytes) in ${end - p} bytes`);
      }
      const n = (scopeLen + optLen) / 4;
      const ids: number[] = [];
      const pens: number[] = [];
      const lens: number[] = [];
      for (let i = 0; i < n; i++) {
        ids.push(u16(b, p + 6 + 4 * i));
        pens.push(0);
        lens.push(u16(b, p + 8 + 4 * i));
      }
      this.addTemplate(d, compileTemplate(tid, true, scopeLen / 4, ids, pens, lens, this.why), tid);
      p += 6 + scopeLen + optLen;
    }
  }

  // ------------------------------------------------------------------ IPFIX

  private decodeIpfix(b: Uint8Array): void {
    this.ipfix++;
    if (b.length < IPFIX_HEADER) return this.short(`a ${b.length}-byte IPFIX message`);
    const length = u16(b, 2);
    if (length < IPFIX_HEADER || length > b.length) return this.short(`IPFIX header says ${length} bytes, the datagram has ${b.length}`);
    const clock = this.clock;
    clock.exportMs = u32(b, 4) * 1000;
    clock.uptimeMs = NaN;
    const seq = u32(b, 8);
    const d = this.store.domain(10, this.exporter, u32(b, 12));
    if (d === null) return;
    this.ipfixDataRecords = 0;
    let o = IPFIX_HEADER;
    while (o + 4 <= length) {
      const id = u16(b, o);
      const len = u16(b, o + 2);
      if (len < 4 || o + len > length) {
        this.badSet++;
        this.problem('bad_set', `IPFIX set ${id} of length ${len} at byte ${o} of ${length}`);
        break;
      }
      if (id === 2) this.ipfixTemplates(b, o + 4, o + len, d, false);
      else if (id === 3) this.ipfixTemplates(b, o + 4, o + len, d, true);
      else if (id >= 256) this.dataSet(b, o + 4, o + len, id, d, 10);
      else this.unknownSet++;
      o += len;
    }
    this.sequence(d, seq, this.ipfixDataRecords);
  }

  private ipfixTemplates(b: Uint8Array, p: number, end: number, d: Domain, options: boolean): void {
    const head = options ? 6 : 4;
    while (p + 4 <= end) {
      const tid = u16(b, p);
      const count = u16(b, p + 2);
      if (tid === 0 && count === 0) return; // padding
      if (count === 0) {
        // Withdrawal: one template, or all of them (id 2 / 3).
        this.store.withdraw(d, tid);
        p += 4;
        continue;
      }
      if (tid < 256 || p + head > end) return this.rejectTemplate(`IPFIX ${options ? 'options ' : ''}template ${tid} with ${count} fields in ${end - p} bytes`);
      const scope = options ? u16(b, p + 4) : 0;
      if (scope > count || (options && scope === 0)) return this.rejectTemplate(`IPFIX options template ${tid}: scope count ${scope} of ${count} fields`);
      const ids: number[] = [];
      const pens: number[] = [];
      const lens: number[] = [];
      let q = p + head;
      for (let i = 0; i < count; i++) {
        if (q + 4 > end) return this.rejectTemplate(`IPFIX template ${tid} ends inside field ${i + 1} of ${count}`);
        const raw = u16(b, q);
        lens.push(u16(b, q + 2));
        q += 4;
        if ((raw & 0x8000) !== 0) {
          if (q + 4 > end) return this.rejectTemplate(`IPFIX template ${tid} ends inside the enterprise number of field ${i + 1}`);
          ids.push(raw & 0x7fff);
          pens.push(u32(b, q));
          q += 4;
        } else {
          ids.push(raw);
          pens.push(0);
        }
      }
      this.addTemplate(d, compileTemplate(tid, options, scope, ids, pens, lens, this.why), tid);
      p = q;
    }
  }

  // ------------------------------------------------------------------ shared

  /** A compiled template to keep, or null: rejected (counted), and an old one of that id dropped. */
  private addTemplate(d: Domain, t: Template | null, tid: number): void {
    if (t !== null) return this.store.add(d, t, tid);
    this.rejectTemplate(this.why[0]);
    this.store.drop(d, tid);
  }

  private dataSet(b: Uint8Array, p: number, end: number, tid: number, d: Domain, version: number): void {
    const t = d.templates.get(tid);
    if (t === undefined) {
      this.noTemplate++;
      this.problem('no_template', `data for template ${tid} before its template (v${version}; exporters resend templates periodically)`);
      return;
    }
    const min = t.minLength;
    if (min === 0) return;
    const clock = this.clock;
    clock.sysInitMs = d.sysInitMs;
    while (p + min <= end) {
      if (t.isOptions) {
        const used = readOptionsRecord(b, p, end, t, this.options);
        if (used < 0) return this.brokenRecord(tid, end - p);
        this.optionsRecords++;
        if (version === 10) this.ipfixDataRecords++;
        if (t.hasSysInit && this.options.sysInitMs > 0) d.sysInitMs = clock.sysInitMs = this.options.sysInitMs;
        p += used;
        continue;
      }
      const rec = this.rec;
      const used = readDataRecord(b, p, end, t, clock, rec);
      if (used < 0) return this.brokenRecord(tid, end - p);
      if (version === 10) this.ipfixDataRecords++;
      p += used;
      if (rec.ipVersion === 0) {
        this.recordsNoIp++;
        continue;
      }
      if (clock.timeUnknown) this.timeUnknown++;
      this.records++;
      this.sink(rec, this.arrival);
    }
  }

  /**
   * Sequence numbers count flows (v5), datagrams (v9) or data records
   * (IPFIX) sent before this datagram; a jump means datagrams were lost on
   * the way. Some exporters (softflowd's IPFIX) count this datagram's records
   * too: either reading is accepted, the smaller gap is counted.
   */
  private sequence(d: Domain, seq: number, count: number): void {
    if (d.lastSeq >= 0) {
      const rfc = (seq - d.lastSeq - d.lastCount) >>> 0;
      const inclusive = (seq - d.lastSeq - count) >>> 0;
      const gap = Math.min(rfc, inclusive);
      if (gap !== 0 && gap < 0x1000000) this.sequenceLost += gap;
    }
    d.lastSeq = seq;
    d.lastCount = count;
  }

  private short(what: string): void {
    this.truncated++;
    this.problem('truncated', what);
  }

  private rejectTemplate(what: string): void {
    this.badTemplate++;
    this.problem('bad_template', what);
  }

  private brokenRecord(tid: number, left: number): void {
    this.badRecord++;
    this.problem('bad_record', `a record of template ${tid} runs past the end of its set (${left} bytes left)`);
  }

  private problem(reason: string, what: string): void {
    const from = this.exporter;
    this.o.onProblem?.(reason, () => `netflow: ${from}: ${what}`);
  }
}

