/**
 * NetFlow v5 / v9 and IPFIX datagrams built by hand from literal fields, so
 * the decoder is not tested against an encoder sharing its bugs.
 */
export const be16 = (v: number) => [(v >> 8) & 255, v & 255];
export const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
export const be64 = (v: number) => [...be32(Math.floor(v / 0x100000000)), ...be32(v >>> 0)];
export const ip4 = (a: string) => a.split('.').map(Number);

export function ip6(a: string): number[] {
  const [h, t] = a.includes('::') ? a.split('::') : [a, ''];
  const hs = h ? h.split(':') : [];
  const ts = t ? t.split(':') : [];
  const groups = a.includes('::') ? [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts] : hs;
  return groups.flatMap((g) => be16(parseInt(g, 16)));
}

export interface V5Flow {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: number;
  flags: number;
  packets: number;
  bytes: number;
  /** sysUptime ms at first and last packet. */
  first: number;
  last: number;
}

export function v5(h: { uptime: number; secs: number; nsecs?: number; seq?: number }, flows: V5Flow[]): Uint8Array {
  const out = [...be16(5), ...be16(flows.length), ...be32(h.uptime), ...be32(h.secs), ...be32(h.nsecs ?? 0), ...be32(h.seq ?? 0), 0, 0, ...be16(0)];
  for (const f of flows) {
    out.push(...ip4(f.src), ...ip4(f.dst), 0, 0, 0, 0, ...be16(0), ...be16(0), ...be32(f.packets), ...be32(f.bytes), ...be32(f.first), ...be32(f.last));
    out.push(...be16(f.sport), ...be16(f.dport), 0, f.flags, f.proto, 0, ...be16(0), ...be16(0), 0, 0, ...be16(0));
  }
  return Uint8Array.from(out);
}

/** A template field: IANA id (or enterprise id with `pen`) and length. */
export interface Field {
  id: number;
  len: number;
  pen?: number;
}

export function v9(h: { uptime: number; secs: number; seq?: number; sourceId?: number }, sets: number[][]): Uint8Array {
  const count = sets.length;
  return Uint8Array.from([...be16(9), ...be16(count), ...be32(h.uptime), ...be32(h.secs), ...be32(h.seq ?? 0), ...be32(h.sourceId ?? 0), ...sets.flat()]);
}

export function ipfix(h: { exportTime: number; seq?: number; domain?: number }, sets: number[][]): Uint8Array {
  const body = sets.flat();
  return Uint8Array.from([...be16(10), ...be16(16 + body.length), ...be32(h.exportTime), ...be32(h.seq ?? 0), ...be32(h.domain ?? 0), ...body]);
}

/** A set (v9 flowset or IPFIX set): id, length, body, padded to 4 bytes. */
export function set(id: number, body: number[]): number[] {
  const pad = (4 - ((4 + body.length) % 4)) % 4;
  return [...be16(id), ...be16(4 + body.length + pad), ...body, ...Array(pad).fill(0)];
}

export function v9Template(tid: number, fields: Field[]): number[] {
  return [...be16(tid), ...be16(fields.length), ...fields.flatMap((f) => [...be16(f.id), ...be16(f.len)])];
}

export function v9OptionsTemplate(tid: number, scope: Field[], options: Field[]): number[] {
  return [
    ...be16(tid),
    ...be16(scope.length * 4),
    ...be16(options.length * 4),
    ...[...scope, ...options].flatMap((f) => [...be16(f.id), ...be16(f.len)]),
  ];
}

export function ipfixTemplate(tid: number, fields: Field[], scopeCount = -1): number[] {
  const spec = fields.flatMap((f) => (f.pen ? [...be16(f.id | 0x8000), ...be16(f.len), ...be32(f.pen)] : [...be16(f.id), ...be16(f.len)]));
  return scopeCount >= 0 ? [...be16(tid), ...be16(fields.length), ...be16(scopeCount), ...spec] : [...be16(tid), ...be16(fields.length), ...spec];
}

/** Variable-length field value (IPFIX): one length byte, or 255 and two. */
export function varlen(bytes: number[]): number[] {
  return bytes.length < 255 ? [bytes.length, ...bytes] : [255, ...be16(bytes.length), ...bytes];
}
