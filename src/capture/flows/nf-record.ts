import { u16, u32 } from '../../decode/bytes.js';
import { Role, type FlowRecord } from './flow-record.js';
import { FK, VARLEN, type Template } from './nf-template.js';

/**
 * Reading one NetFlow v9 / IPFIX data record with its compiled template.
 * Never throws: a record that runs past its set is reported by returning -1.
 */

/** Header facts a record's times are relative to. */
export interface RecordClock {
  /** Export time, ms since the epoch (v9 unix_secs, IPFIX Export Time). */
  exportMs: number;
  /** v9 sysUptime of the export, ms; NaN for IPFIX. */
  uptimeMs: number;
  /** IPFIX: the exporter's systemInitTimeMilliseconds (from options records), NaN when not known yet. */
  sysInitMs: number;
  /** Set when a record had only uptime-relative times and no way to place them. */
  timeUnknown: boolean;
}

/** Unsigned big-endian integer of 1..8 bytes (exact below 2^53). */
export function uint(b: Uint8Array, p: number, len: number): number {
  switch (len) {
    case 1:
      return b[p];
    case 2:
      return u16(b, p);
    case 4:
      return u32(b, p);
    default: {
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + b[p + i];
      return v;
    }
  }
}

/** Seconds between 1900 (NTP era 0) and 1970. */
const NTP_UNIX = 2208988800;

function ntpSeconds(b: Uint8Array, p: number, len: number): number {
  if (len !== 8) return NaN;
  return u32(b, p) - NTP_UNIX + u32(b, p + 4) / 0x100000000;
}

/**
 * Decode one data record at `off` (before `end`) into `rec`; returns the
 * bytes it took, or -1 when it does not fit. `rec.ipVersion` stays 0 when
 * the record has no usable address pair.
 */
export function readDataRecord(b: Uint8Array, off: number, end: number, t: Template, clock: RecordClock, rec: FlowRecord): number {
  rec.reset();
  clock.timeUnknown = false;
  let p = off;
  let have4 = 0;
  let have6 = 0;
  let upStart = NaN;
  let upEnd = NaN;
  let start = NaN;
  let stop = NaN;
  let startRank = 0;
  let stopRank = 0;
  let pkts = -1;
  let pktsTotal = -1;
  let bytes = -1;
  let bytesTotal = -1;
  let icmpTc = -1;
  let icmpType = -1;
  let icmpCode = -1;
  let client = -1;
  let server = -1;
  let outPkts = 0;
  let outBytes = 0;
  let revPkts = 0;
  let revBytes = 0;
  let revFlags = -1;
  let dir = 0;
  const kinds = t.kinds;
  const lengths = t.lengths;
  for (let i = 0; i < kinds.length; i++) {
    let len = lengths[i];
    if (len === VARLEN) {
      if (p >= end) return -1;
      len = b[p++];
      if (len === 255) {
        if (p + 2 > end) return -1;
        len = u16(b, p);
        p += 2;
      }
    }
    if (p + len > end) return -1;
    switch (kinds[i] as FK) {
      case FK.SKIP:
        break;
      case FK.SRC4:
        rec.src4 = u32(b, p);
        have4 |= 1;
        break;
      case FK.DST4:
        rec.dst4 = u32(b, p);
        have4 |= 2;
        break;
      case FK.SRC6:
        for (let w = 0; w < 4; w++) rec.src6[w] = u32(b, p + 4 * w);
        have6 |= 1;
        break;
      case FK.DST6:
        for (let w = 0; w < 4; w++) rec.dst6[w] = u32(b, p + 4 * w);
        have6 |= 2;
        break;
      case FK.PROTO:
        rec.proto = uint(b, p, len) & 255;
        break;
      case FK.SPORT:
        rec.sport = uint(b, p, len) & 0xffff;
        break;
      case FK.DPORT:
        rec.dport = uint(b, p, len) & 0xffff;
        break;
      case FK.FLAGS:
        rec.tcpFlags = uint(b, p, len) & 0x1ff;
        break;
      case FK.PKTS:
        pkts = uint(b, p, len);
        break;
      case FK.BYTES:
        bytes = uint(b, p, len);
        break;
      case FK.PKTS_TOTAL:
        pktsTotal = uint(b, p, len);
        break;
      case FK.BYTES_TOTAL:
        bytesTotal = uint(b, p, len);
        break;
      case FK.UP_START:
        upStart = uint(b, p, len);
        break;
      case FK.UP_END:
        upEnd = uint(b, p, len);
        break;
      // The finest unit given wins: ntp (4) > ms (3) > s (2) > delta (1).
      case FK.START_S:
        if (startRank < 2) {
          start = uint(b, p, len);
          startRank = 2;
        }
        break;
      case FK.END_S:
        if (stopRank < 2) {
          stop = uint(b, p, len);
          stopRank = 2;
        }
        break;
      case FK.START_MS:
        if (startRank < 3) {
          start = uint(b, p, len) / 1000;
          startRank = 3;
        }
        break;
      case FK.END_MS:
        if (stopRank < 3) {
          stop = uint(b, p, len) / 1000;
          stopRank = 3;
        }
        break;
      case FK.START_NTP:
        if (startRank < 4 && len === 8) {
          start = ntpSeconds(b, p, len);
          startRank = 4;
        }
        break;
      case FK.END_NTP:
        if (stopRank < 4 && len === 8) {
          stop = ntpSeconds(b, p, len);
          stopRank = 4;
        }
        break;
      case FK.START_DELTA_US:
        if (startRank < 1) {
          start = clock.exportMs / 1000 - uint(b, p, len) / 1e6;
          startRank = 1;
        }
        break;
      case FK.END_DELTA_US:
        if (stopRank < 1) {
          stop = clock.exportMs / 1000 - uint(b, p, len) / 1e6;
          stopRank = 1;
        }
        break;
      case FK.ICMP_TC:
        icmpTc = uint(b, p, len) & 0xffff;
        break;
      case FK.ICMP_TYPE:
        icmpType = uint(b, p, len) & 255;
        break;
      case FK.ICMP_CODE:
        icmpCode = uint(b, p, len) & 255;
        break;
      case FK.REV_PKTS:
        revPkts = uint(b, p, len);
        break;
      case FK.REV_BYTES:
        revBytes = uint(b, p, len);
        break;
      case FK.REV_FLAGS:
        revFlags = uint(b, p, len) & 0x1ff;
        break;
      case FK.BIFLOW_DIR:
        dir = uint(b, p, len);
        break;
      case FK.CLIENT_FLAGS:
        client = uint(b, p, len) & 0x1ff;
        break;
      case FK.SERVER_FLAGS:
        server = uint(b, p, len) & 0x1ff;
        break;
      case FK.OUT_PKTS:
        outPkts = uint(b, p, len);
        break;
      case FK.OUT_BYTES:
        outBytes = uint(b, p, len);
        break;
      default:
        break;
    }
    p += len;
  }

  // Templates with both families put zeros in the one not used.
  const v4 = have4 === 3 && (rec.src4 !== 0 || rec.dst4 !== 0 || have6 !== 3);
  if (v4) rec.ipVersion = 4;
  else if (have6 === 3) rec.ipVersion = 6;

  rec.packets = pkts >= 0 ? pkts : pktsTotal >= 0 ? pktsTotal : 0;
  rec.bytes = bytes >= 0 ? bytes : bytesTotal >= 0 ? bytesTotal : 0;
  if (icmpType >= 0) {
    rec.icmpType = icmpType;
    rec.icmpCode = icmpCode >= 0 ? icmpCode : 0;
  } else if (icmpTc >= 0) {
    rec.icmpType = icmpTc >>> 8;
    rec.icmpCode = icmpTc & 255;
  }

  if (startRank === 0 && !Number.isNaN(upStart)) start = uptimeToEpoch(upStart, clock);
  if (stopRank === 0 && !Number.isNaN(upEnd)) stop = uptimeToEpoch(upEnd, clock);
  if (start > 0) {
    rec.start = start;
    rec.end = stop >= start ? stop : start;
  }

  if (revPkts > 0) {
    rec.revPackets = revPkts;
    rec.revBytes = revBytes;
    rec.revFlags = revFlags;
    rec.role = dir === 1 ? Role.INITIATOR : dir === 2 ? Role.RESPONDER : Role.UNKNOWN;
  }
  if (client >= 0 || server >= 0) {
    // nProbe: src is the client, OUT_* the server's side.
    if (client >= 0) rec.tcpFlags = client;
    rec.role = Role.INITIATOR;
    rec.revPackets = outPkts;
    rec.revBytes = outBytes;
    rec.revFlags = server;
  }
  return p - off;
}

/**
 * v9: sysUptime-relative ms against the header's sysUptime and unix_secs
 * (signed 32-bit difference, so uptime wrap-around is fine); IPFIX: against
 * systemInitTimeMilliseconds when the exporter sent it, else unknown.
 */
function uptimeToEpoch(up: number, clock: RecordClock): number {
  if (!Number.isNaN(clock.uptimeMs)) return (clock.exportMs - ((clock.uptimeMs - up) | 0)) / 1000;
  if (!Number.isNaN(clock.sysInitMs)) return (clock.sysInitMs + up) / 1000;
  clock.timeUnknown = true;
  return NaN;
}

/** An options record: the systemInitTimeMilliseconds it carries (NaN if none), or -1 bytes when it does not fit. */
export function readOptionsRecord(b: Uint8Array, off: number, end: number, t: Template, out: { sysInitMs: number }): number {
  let p = off;
  out.sysInitMs = NaN;
  for (let i = 0; i < t.kinds.length; i++) {
    let len = t.lengths[i];
    if (len === VARLEN) {
      if (p >= end) return -1;
      len = b[p++];
      if (len === 255) {
        if (p + 2 > end) return -1;
        len = u16(b, p);
        p += 2;
      }
    }
    if (p + len > end) return -1;
    if (t.kinds[i] === FK.SYS_INIT_MS) out.sysInitMs = uint(b, p, len);
    p += len;
  }
  return p - off;
}
