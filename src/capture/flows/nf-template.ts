/**
 * NetFlow v9 / IPFIX templates, compiled once when they arrive into two
 * arrays (what each field is for us, and its length) so a data record is read
 * with one pass and a switch on small numbers. Fields we have no use for keep
 * their length and are skipped. Field ids are the IANA IPFIX Information
 * Element numbers, which NetFlow v9 shares for everything read here.
 */

/** What a field means to us. */
export const enum FK {
  SKIP = 0,
  SRC4,
  DST4,
  SRC6,
  DST6,
  PROTO,
  SPORT,
  DPORT,
  FLAGS,
  PKTS,
  BYTES,
  PKTS_TOTAL,
  BYTES_TOTAL,
  /** flowStartSysUpTime / FIRST_SWITCHED (22), flowEndSysUpTime / LAST_SWITCHED (21): ms of uptime. */
  UP_START,
  UP_END,
  START_S,
  END_S,
  START_MS,
  END_MS,
  /** dateTimeMicroseconds / Nanoseconds: NTP 64-bit timestamps. */
  START_NTP,
  END_NTP,
  START_DELTA_US,
  END_DELTA_US,
  /** systemInitTimeMilliseconds (160), in options records: the epoch of the uptime fields. */
  SYS_INIT_MS,
  ICMP_TC,
  ICMP_TYPE,
  ICMP_CODE,
  /** RFC 5103 reverse elements (PEN 29305). */
  REV_PKTS,
  REV_BYTES,
  REV_FLAGS,
  /** biflowDirection (239): 1 initiator, 2 reverse initiator. */
  BIFLOW_DIR,
  /** nProbe's CLIENT_TCP_FLAGS / SERVER_TCP_FLAGS, and its OUT_PKTS/OUT_BYTES (dst -> src). */
  CLIENT_FLAGS,
  SERVER_FLAGS,
  OUT_PKTS,
  OUT_BYTES,
}

export const REVERSE_PEN = 29305;
export const NTOP_PEN = 35632;
/** Length value of a variable-length field (IPFIX). */
export const VARLEN = 65535;

const BY_ID = new Uint8Array(65536);
BY_ID[1] = FK.BYTES;
BY_ID[2] = FK.PKTS;
BY_ID[4] = FK.PROTO;
BY_ID[6] = FK.FLAGS;
BY_ID[7] = FK.SPORT;
BY_ID[8] = FK.SRC4;
BY_ID[11] = FK.DPORT;
BY_ID[12] = FK.DST4;
BY_ID[21] = FK.UP_END;
BY_ID[22] = FK.UP_START;
BY_ID[23] = FK.OUT_BYTES;
BY_ID[24] = FK.OUT_PKTS;
BY_ID[27] = FK.SRC6;
BY_ID[28] = FK.DST6;
BY_ID[32] = FK.ICMP_TC;
BY_ID[85] = FK.BYTES_TOTAL;
BY_ID[86] = FK.PKTS_TOTAL;
BY_ID[139] = FK.ICMP_TC;
BY_ID[150] = FK.START_S;
BY_ID[151] = FK.END_S;
BY_ID[152] = FK.START_MS;
BY_ID[153] = FK.END_MS;
BY_ID[154] = FK.START_NTP;
BY_ID[155] = FK.END_NTP;
BY_ID[156] = FK.START_NTP;
BY_ID[157] = FK.END_NTP;
BY_ID[158] = FK.START_DELTA_US;
BY_ID[159] = FK.END_DELTA_US;
BY_ID[160] = FK.SYS_INIT_MS;
BY_ID[176] = FK.ICMP_TYPE;
BY_ID[177] = FK.ICMP_CODE;
BY_ID[178] = FK.ICMP_TYPE;
BY_ID[179] = FK.ICMP_CODE;
BY_ID[239] = FK.BIFLOW_DIR;
// nProbe's NetFlow v9 ids for its own fields.
BY_ID[57550] = FK.CLIENT_FLAGS;
BY_ID[57551] = FK.SERVER_FLAGS;

/** Our meaning of field `id` of enterprise `pen` (0 = IANA). */
export function fieldKind(id: number, pen: number): FK {
  if (pen === 0) return BY_ID[id] as FK;
  if (pen === REVERSE_PEN) {
    if (id === 2 || id === 86) return FK.REV_PKTS;
    if (id === 1 || id === 85) return FK.REV_BYTES;
    if (id === 6) return FK.REV_FLAGS;
    return FK.SKIP;
  }
  if (pen === NTOP_PEN) {
    if (id === 78) return FK.CLIENT_FLAGS;
    if (id === 79) return FK.SERVER_FLAGS;
  }
  return FK.SKIP;
}

/** Fixed lengths the address kinds need; other kinds take 1..8 bytes. */
function lengthFits(kind: FK, len: number): boolean {
  switch (kind) {
    case FK.SRC4:
    case FK.DST4:
      return len === 4;
    case FK.SRC6:
    case FK.DST6:
      return len === 16;
    case FK.SKIP:
      return true;
    default:
      return len === VARLEN || (len >= 1 && len <= 8);
  }
}

export class Template {
  readonly kinds: Uint8Array;
  readonly lengths: Uint16Array;
  /** Bytes per record, or -1 with variable-length fields. */
  readonly fixedLength: number;
  /** Fewest bytes a record can take (variable-length fields at 1 byte). */
  readonly minLength: number;
  /** Has a source and a destination address: its records are flows. */
  readonly hasAddresses: boolean;
  /** Has a field we read from options records (systemInitTimeMilliseconds). */
  readonly hasSysInit: boolean;
  /** Fields we do not read (unknown, enterprise-specific, or of no use here): their bytes are skipped. */
  readonly ignored: number;

  constructor(
    readonly id: number,
    readonly isOptions: boolean,
    kinds: readonly number[],
    lengths: readonly number[],
  ) {
    this.kinds = Uint8Array.from(kinds);
    this.lengths = Uint16Array.from(lengths);
    let fixed = 0;
    let min = 0;
    let variable = false;
    let src = false;
    let dst = false;
    let sysInit = false;
    let ignored = 0;
    for (let i = 0; i < kinds.length; i++) {
      const len = lengths[i];
      if (len === VARLEN) {
        variable = true;
        min += 1;
      } else {
        fixed += len;
        min += len;
      }
      const k = kinds[i];
      if (k === FK.SRC4 || k === FK.SRC6) src = true;
      if (k === FK.DST4 || k === FK.DST6) dst = true;
      if (k === FK.SYS_INIT_MS) sysInit = true;
      if (k === FK.SKIP) ignored++;
    }
    this.fixedLength = variable ? -1 : fixed;
    this.minLength = min;
    this.hasAddresses = src && dst && !isOptions;
    this.hasSysInit = sysInit;
    this.ignored = ignored;
  }

  get fieldCount(): number {
    return this.kinds.length;
  }
}

/**
 * Build a template from field ids, enterprise numbers and lengths, or null
 * (with the reason in `why[0]`) when it cannot describe records: no fields, a
 * zero-length field, or an address of the wrong size.
 */
export function compileTemplate(
  id: number,
  isOptions: boolean,
  scopeCount: number,
  ids: readonly number[],
  pens: readonly number[],
  lengths: readonly number[],
  why: string[],
): Template | null {
  if (ids.length === 0) {
    why[0] = `template ${id} has no fields`;
    return null;
  }
  const kinds: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const len = lengths[i];
    if (len === 0) {
      why[0] = `template ${id} field ${ids[i]} has length 0`;
      return null;
    }
    // Scope fields of options templates are not flow fields (v9 scope 1 = System, not IN_BYTES).
    let k = i < scopeCount ? FK.SKIP : fieldKind(ids[i], pens[i]);
    if (!lengthFits(k, len)) {
      if (k === FK.SRC4 || k === FK.DST4 || k === FK.SRC6 || k === FK.DST6) {
        why[0] = `template ${id} field ${ids[i]} (an address) has length ${len}`;
        return null;
      }
      k = FK.SKIP;
    }
    kinds.push(k);
  }
  return new Template(id, isOptions, kinds, lengths);
}
