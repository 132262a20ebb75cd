/**
 * Hand-built packets and capture files for the tests and the bench (the
 * sensor itself never builds packets): literal bytes, no library, so a decoder
 * bug cannot hide behind the same bug in an encoder.
 */
export const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const be16 = (v: number) => [(v >> 8) & 255, v & 255];
const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const v4 = (a: string) => a.split('.').map(Number);

export function v6(a: string): number[] {
  const [h, t] = a.includes('::') ? a.split('::') : [a, ''];
  const hs = h ? h.split(':') : [];
  const ts = t ? t.split(':') : [];
  const groups = a.includes('::') ? [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts] : hs;
  return groups.flatMap((g) => be16(parseInt(g, 16)));
}

export interface TcpOpts {
  sport?: number;
  dport?: number;
  flags?: number;
  seq?: number;
  ack?: number;
  window?: number;
  options?: number[];
  payload?: number[];
  dataOffsetWords?: number;
}

export function tcp(o: TcpOpts = {}): Uint8Array {
  const opts = o.options ?? [];
  const hdrLen = 20 + opts.length;
  const doff = o.dataOffsetWords ?? hdrLen / 4;
  return new Uint8Array([
    ...be16(o.sport ?? 40000),
    ...be16(o.dport ?? 80),
    ...be32(o.seq ?? 1),
    ...be32(o.ack ?? 0),
    (doff << 4) | ((o.flags ?? 0x02) >> 8),
    (o.flags ?? 0x02) & 0xff,
    ...be16(o.window ?? 1024),
    0, 0, 0, 0,
    ...opts,
    ...(o.payload ?? []),
  ]);
}

export function udp(sport: number, dport: number, payload: number[] = []): Uint8Array {
  return new Uint8Array([...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0, ...payload]);
}

export function icmp(type: number, code: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  return cat(new Uint8Array([type, code, 0, 0, 0, 0, 0, 0]), body);
}

export interface Ip4Opts {
  src?: string;
  dst?: string;
  proto?: number;
  id?: number;
  ttl?: number;
  fragOffset?: number;
  totalLength?: number;
  ihlWords?: number;
}

export function ipv4(payload: Uint8Array, o: Ip4Opts = {}): Uint8Array {
  const ihl = o.ihlWords ?? 5;
  const hdr = [
    0x40 | ihl, 0,
    ...be16(o.totalLength ?? 20 + payload.length),
    ...be16(o.id ?? 1),
    ...be16(o.fragOffset ?? 0),
    o.ttl ?? 64, o.proto ?? 6, 0, 0,
    ...v4(o.src ?? '10.0.0.1'),
    ...v4(o.dst ?? '10.0.0.2'),
  ];
  return cat(new Uint8Array(hdr), payload);
}

/** IPv6 with optional extension headers given as [nextHeaderCode, bytes] pairs, in order. */
export function ipv6(payload: Uint8Array, o: { src?: string; dst?: string; proto?: number; ext?: [number, number[]][] } = {}): Uint8Array {
  const ext = o.ext ?? [];
  const chain: number[] = [];
  for (let i = 0; i < ext.length; i++) {
    const next = i + 1 < ext.length ? ext[i + 1][0] : (o.proto ?? 6);
    const body = ext[i][1];
    chain.push(next, ...body.slice(1));
  }
  const first = ext.length ? ext[0][0] : (o.proto ?? 6);
  const plen = chain.length + payload.length;
  return cat(
    new Uint8Array([0x60, 0, 0, 0, ...be16(plen), first, 64, ...v6(o.src ?? '2001:db8::1'), ...v6(o.dst ?? '2001:db8::2')]),
    new Uint8Array(chain),
    payload,
  );
}

export function ethernet(l3: Uint8Array, ethertype = 0x0800, vlans: number[] = []): Uint8Array {
  const tags = vlans.flatMap((id) => [0x81, 0x00, ...be16(id)]);
  return cat(new Uint8Array([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...tags, ...be16(ethertype)]), l3);
}

export function sll(l3: Uint8Array, ethertype = 0x0800): Uint8Array {
  return cat(new Uint8Array([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...be16(ethertype)]), l3);
}

export function sll2(l3: Uint8Array, ethertype = 0x0800): Uint8Array {
  return cat(new Uint8Array([...be16(ethertype), 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]), l3);
}

export function bsdNull(l3: Uint8Array, family: number, littleEndian = true): Uint8Array {
  const f = littleEndian ? [family & 255, (family >> 8) & 255, 0, 0] : be32(family);
  return cat(new Uint8Array(f), l3);
}

export interface Rec {
  sec: number;
  frac: number;
  data: Uint8Array;
  wirelen?: number;
}

/** A classic pcap file: byte order and micro/nanosecond magic chosen by the caller. */
export function pcapFile(linkType: number, recs: Rec[], o: { bigEndian?: boolean; nano?: boolean } = {}): Uint8Array {
  const w32 = (v: number) => (o.bigEndian ? be32(v) : be32(v).reverse());
  const w16 = (v: number) => (o.bigEndian ? be16(v) : be16(v).reverse());
  const magic = o.nano ? 0xa1b23c4d : 0xa1b2c3d4;
  const parts: Uint8Array[] = [new Uint8Array([...w32(magic), ...w16(2), ...w16(4), ...w32(0), ...w32(0), ...w32(262144), ...w32(linkType)])];
  for (const r of recs) {
    parts.push(new Uint8Array([...w32(r.sec), ...w32(r.frac), ...w32(r.data.length), ...w32(r.wirelen ?? r.data.length)]), r.data);
  }
  return cat(...parts);
}

/** pcapng, little endian: one section, the given interfaces, then EPBs (or SPBs with ifId -1). */
export function pcapngFile(
  ifaces: { linkType: number; tsresol?: number }[],
  packets: { ifId: number; ts: bigint; data: Uint8Array }[],
  bigEndian = false,
): Uint8Array {
  const w32 = (v: number) => (bigEndian ? be32(v) : be32(v).reverse());
  const w16 = (v: number) => (bigEndian ? be16(v) : be16(v).reverse());
  const pad = (b: number[]) => [...b, ...Array((4 - (b.length % 4)) % 4).fill(0)];
  const block = (type: number, body: number[]) => {
    const len = 12 + body.length;
    return new Uint8Array([...w32(type), ...w32(len), ...body, ...w32(len)]);
  };
  const out: Uint8Array[] = [block(0x0a0d0d0a, [...w32(0x1a2b3c4d), ...w16(1), ...w16(0), ...w32(0xffffffff), ...w32(0xffffffff)])];
  for (const i of ifaces) {
    const opts = i.tsresol !== undefined ? [...w16(9), ...w16(1), ...pad([i.tsresol]), ...w16(0), ...w16(0)] : [];
    out.push(block(1, [...w16(i.linkType), 0, 0, ...w32(0), ...opts]));
  }
  for (const p of packets) {
    const d = [...p.data];
    if (p.ifId < 0) out.push(block(3, [...w32(d.length), ...pad(d)]));
    else {
      const hi = Number(p.ts >> 32n);
      const lo = Number(p.ts & 0xffffffffn);
      out.push(block(6, [...w32(p.ifId), ...w32(hi), ...w32(lo), ...w32(d.length), ...w32(d.length), ...pad(d)]));
    }
  }
  return cat(...out);
}
