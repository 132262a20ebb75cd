import { parseIpv4, parseIpv6 } from '../../decode/address.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../decode/packet-view.js';
import { epochSecondsByMagnitude, Role, type FlowRecord } from './flow-record.js';

/**
 * One nProbe JSON flow (an object of one line) into a FlowRecord.
 *
 * nProbe writes the fields of its -T template, keyed by label
 * (`"IPV4_SRC_ADDR"`, with --json-labels) or by numeric id (`"8"`, its
 * default); both are read, and the IPFIX names too. Values may be JSON
 * numbers or numeric strings (hex `0x12` accepted for flags). Times in any of
 * nProbe's fields and units (FIRST_SWITCHED/LAST_SWITCHED as epoch seconds in
 * JSON, FLOW_START_SEC, FLOW_START_MILLISECONDS, FLOW_START_MICROSECONDS and
 * their END twins) are read by magnitude, the finest given first.
 *
 * nProbe's flows are biflows: IN_* is client -> server, OUT_* server ->
 * client, TCP_FLAGS the OR over both directions, CLIENT_TCP_FLAGS and
 * SERVER_TCP_FLAGS each side's. When OUT_PKTS is present the source is the
 * client (nProbe's src is whoever sent the first packet).
 */

export const enum JsonBad {
  NONE = 0,
  BAD_JSON = 1,
  NOT_OBJECT = 2,
  MISSING_FIELD = 3,
  BAD_ADDRESS = 4,
  BAD_VALUE = 5,
}

/** Counter names by JsonBad value. */
export const JSON_BAD_NAMES = ['ok', 'bad_json', 'not_object', 'missing_field', 'bad_address', 'bad_value'] as const;

/** The keys each field may come under: nProbe label, nProbe numeric id, IPFIX name, aliases. */
const KEYS = {
  src4: ['IPV4_SRC_ADDR', '8', 'sourceIPv4Address'],
  dst4: ['IPV4_DST_ADDR', '12', 'destinationIPv4Address'],
  src6: ['IPV6_SRC_ADDR', '27', 'sourceIPv6Address'],
  dst6: ['IPV6_DST_ADDR', '28', 'destinationIPv6Address'],
  proto: ['PROTOCOL', '4', 'protocolIdentifier'],
  sport: ['L4_SRC_PORT', '7', 'sourceTransportPort'],
  dport: ['L4_DST_PORT', '11', 'destinationTransportPort'],
  flags: ['TCP_FLAGS', '6', 'tcpControlBits'],
  clientFlags: ['CLIENT_TCP_FLAGS', '57550'],
  serverFlags: ['SERVER_TCP_FLAGS', '57551'],
  inPkts: ['IN_PKTS', '2', 'packetDeltaCount', 'SRC_TO_DST_PKTS'],
  inBytes: ['IN_BYTES', '1', 'octetDeltaCount', 'SRC_TO_DST_BYTES'],
  outPkts: ['OUT_PKTS', '24', 'DST_TO_SRC_PKTS'],
  outBytes: ['OUT_BYTES', '23', 'DST_TO_SRC_BYTES'],
  start: [
    'FLOW_START_NANOSECONDS', '156', 'flowStartNanoseconds',
    'FLOW_START_MICROSECONDS', '154', 'flowStartMicroseconds',
    'FLOW_START_MILLISECONDS', '152', 'flowStartMilliseconds',
    'FIRST_SWITCHED', '22', 'FLOW_START_SEC', '150', 'flowStartSeconds',
  ],
  end: [
    'FLOW_END_NANOSECONDS', '157', 'flowEndNanoseconds',
    'FLOW_END_MICROSECONDS', '155', 'flowEndMicroseconds',
    'FLOW_END_MILLISECONDS', '153', 'flowEndMilliseconds',
    'LAST_SWITCHED', '21', 'FLOW_END_SEC', '151', 'flowEndSeconds',
  ],
  icmpTypeCode: ['ICMP_TYPE', '32', 'icmpTypeCodeIPv4', 'icmpTypeCodeIPv6'],
  icmpType: ['ICMP_IPV4_TYPE', '176', 'icmpTypeIPv4', 'icmpTypeIPv6'],
  icmpCode: ['ICMP_IPV4_CODE', '177', 'icmpCodeIPv4', 'icmpCodeIPv6'],
} as const;

type Obj = Record<string, unknown>;

function pick(o: Obj, keys: readonly string[]): unknown {
  for (let i = 0; i < keys.length; i++) {
    const v = o[keys[i]];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/** A JSON number or numeric string (decimal, or hex with 0x); NaN otherwise. */
export function jsonNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return NaN;
  const t = v.trim();
  if (t === '') return NaN;
  if (t.length > 2 && t[0] === '0' && (t[1] === 'x' || t[1] === 'X')) return /^0[xX][0-9a-fA-F]+$/.test(t) ? parseInt(t, 16) : NaN;
  return Number(t);
}

function addr4(v: unknown): number {
  if (typeof v === 'string') return parseIpv4(v.trim());
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  return -1;
}

function addr6(v: unknown): Uint32Array | null {
  return typeof v === 'string' ? parseIpv6(v.trim()) : null;
}

const PROTO_NAMES: Record<string, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, icmp: IPPROTO_ICMP, icmpv6: IPPROTO_ICMPV6, ipv6_icmp: IPPROTO_ICMPV6 };

export class NprobeJsonParser {
  /** What was wrong with the last rejected object (field name or value), for warnings. */
  detail = '';

  /** Fill `rec` from `o`; JsonBad.NONE when it is a usable flow. */
  parse(o: Obj, rec: FlowRecord): JsonBad {
    rec.reset();
    const bad = this.addresses(o, rec);
    if (bad !== JsonBad.NONE) return bad;

    const protoRaw = pick(o, KEYS.proto);
    if (protoRaw === undefined) return this.fail(JsonBad.MISSING_FIELD, 'PROTOCOL');
    let proto = jsonNumber(protoRaw);
    if (Number.isNaN(proto) && typeof protoRaw === 'string') proto = PROTO_NAMES[protoRaw.trim().toLowerCase().replace('-', '_')] ?? NaN;
    if (!isInt(proto, 255)) return this.fail(JsonBad.BAD_VALUE, `PROTOCOL=${show(protoRaw)}`);
    rec.proto = proto;

    const ported = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === 132;
    const sp = pick(o, KEYS.sport);
    const dp = pick(o, KEYS.dport);
    if (ported && (sp === undefined || dp === undefined)) return this.fail(JsonBad.MISSING_FIELD, sp === undefined ? 'L4_SRC_PORT' : 'L4_DST_PORT');
    if (sp !== undefined) {
      const n = jsonNumber(sp);
      if (!isInt(n, 65535)) return this.fail(JsonBad.BAD_VALUE, `L4_SRC_PORT=${show(sp)}`);
      rec.sport = n;
    }
    if (dp !== undefined) {
      const n = jsonNumber(dp);
      if (!isInt(n, 65535)) return this.fail(JsonBad.BAD_VALUE, `L4_DST_PORT=${show(dp)}`);
      rec.dport = n;
    }

    const inPkts = this.count(o, KEYS.inPkts, 'IN_PKTS');
    if (inPkts < 0) return JsonBad.BAD_VALUE;
    rec.packets = inPkts === 0 ? 1 : inPkts;
    const inBytes = this.count(o, KEYS.inBytes, 'IN_BYTES');
    if (inBytes < 0) return JsonBad.BAD_VALUE;
    rec.bytes = inBytes;
    const outPkts = this.count(o, KEYS.outPkts, 'OUT_PKTS');
    if (outPkts < 0) return JsonBad.BAD_VALUE;
    const outBytes = this.count(o, KEYS.outBytes, 'OUT_BYTES');
    if (outBytes < 0) return JsonBad.BAD_VALUE;
    const biflow = pick(o, KEYS.outPkts) !== undefined;
    if (biflow) {
      rec.role = Role.INITIATOR;
      rec.revPackets = outPkts;
      rec.revBytes = outBytes;
    }

    if (proto === IPPROTO_TCP) {
      const client = this.flags(o, KEYS.clientFlags, 'CLIENT_TCP_FLAGS');
      const server = this.flags(o, KEYS.serverFlags, 'SERVER_TCP_FLAGS');
      if (client === -2 || server === -2) return JsonBad.BAD_VALUE;
      if (client >= 0) {
        rec.tcpFlags = client;
        rec.revFlags = server;
      } else {
        const all = this.flags(o, KEYS.flags, 'TCP_FLAGS');
        if (all === -2) return JsonBad.BAD_VALUE;
        if (all === -1) return this.fail(JsonBad.MISSING_FIELD, 'TCP_FLAGS');
        rec.tcpFlags = all;
        if (biflow && server >= 0) rec.revFlags = server;
      }
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      const tc = jsonNumber(pick(o, KEYS.icmpTypeCode));
      const t = jsonNumber(pick(o, KEYS.icmpType));
      if (isInt(t, 255)) {
        rec.icmpType = t;
        const c = jsonNumber(pick(o, KEYS.icmpCode));
        rec.icmpCode = isInt(c, 255) ? c : 0;
      } else if (isInt(tc, 65535)) {
        rec.icmpType = tc >>> 8;
        rec.icmpCode = tc & 255;
      }
    }

    const start = epochSecondsByMagnitude(jsonNumber(pick(o, KEYS.start)));
    if (start > 0) {
      rec.start = start;
      const end = epochSecondsByMagnitude(jsonNumber(pick(o, KEYS.end)));
      rec.end = end >= start ? end : start;
    }
    return JsonBad.NONE;
  }

  private addresses(o: Obj, rec: FlowRecord): JsonBad {
    const s4 = pick(o, KEYS.src4);
    const d4 = pick(o, KEYS.dst4);
    const s6 = pick(o, KEYS.src6);
    const d6 = pick(o, KEYS.dst6);
    const have6 = s6 !== undefined && d6 !== undefined;
    let bad4 = '';
    if (s4 !== undefined && d4 !== undefined) {
      const a = addr4(s4);
      const b = addr4(d4);
      if (a < 0 || b < 0) bad4 = a < 0 ? `IPV4_SRC_ADDR=${show(s4)}` : `IPV4_DST_ADDR=${show(d4)}`;
      // A template with both families gives 0.0.0.0 on IPv6 flows.
      else if (!(a === 0 && b === 0 && have6)) {
        rec.ipVersion = 4;
        rec.src4 = a;
        rec.dst4 = b;
        return JsonBad.NONE;
      }
    }
    if (have6) {
      const a = addr6(s6);
      const b = addr6(d6);
      if (a === null || b === null) return this.fail(JsonBad.BAD_ADDRESS, a === null ? `IPV6_SRC_ADDR=${show(s6)}` : `IPV6_DST_ADDR=${show(d6)}`);
      rec.ipVersion = 6;
      rec.src6.set(a);
      rec.dst6.set(b);
      return JsonBad.NONE;
    }
    if (bad4 !== '') return this.fail(JsonBad.BAD_ADDRESS, bad4);
    if (s4 !== undefined || d4 !== undefined) return this.fail(JsonBad.MISSING_FIELD, s4 === undefined ? 'IPV4_SRC_ADDR' : 'IPV4_DST_ADDR');
    if (s6 !== undefined || d6 !== undefined) return this.fail(JsonBad.MISSING_FIELD, s6 === undefined ? 'IPV6_SRC_ADDR' : 'IPV6_DST_ADDR');
    return this.fail(JsonBad.MISSING_FIELD, 'IPV4_SRC_ADDR/IPV6_SRC_ADDR');
  }

  /** A counter field: its value, 0 when absent, -1 (detail set) when not a whole number >= 0. */
  private count(o: Obj, keys: readonly string[], name: string): number {
    const raw = pick(o, keys);
    if (raw === undefined) return 0;
    const n = jsonNumber(raw);
    if (!(Number.isInteger(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER)) {
      this.detail = `${name}=${show(raw)}`;
      return -1;
    }
    return n;
  }

  /** TCP flags: the value (9 bits), -1 when absent, -2 (detail set) when bad. */
  private flags(o: Obj, keys: readonly string[], name: string): number {
    const raw = pick(o, keys);
    if (raw === undefined) return -1;
    const n = jsonNumber(raw);
    if (!isInt(n, 0xffff)) {
      this.detail = `${name}=${show(raw)}`;
      return -2;
    }
    return n & 0x1ff;
  }

  private fail(bad: JsonBad, detail: string): JsonBad {
    this.detail = detail;
    return bad;
  }
}

function isInt(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
