import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_CAPTURES } from '../helpers/cli.js';
import { after, test } from 'node:test';
import { FileSource } from '../../src/capture/file-source.js';
import { decode } from '../../src/decode/decode.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { isSensorError } from '../../src/errors.js';
import { ethernet, ipv4, ipv6, pcapFile, pcapngFile, tcp } from '../../src/decode/craft.js';

const dir = mkdtempSync(join(tmpdir(), 'peng-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SHARED = SHARED_CAPTURES;

interface Seen {
  sec: number;
  nsec: number;
  linkType: number;
  dport: number;
  caplen: number;
  wirelen: number;
}

async function replay(bytes: Uint8Array | string): Promise<{ seen: Seen[]; damage: string | null; format: string }> {
  let path = bytes as string;
  if (typeof bytes !== 'string') {
    path = join(dir, `f${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, bytes);
  }
  const src = new FileSource(path);
  const seen: Seen[] = [];
  await src.run((v) => {
    decode(v);
    seen.push({ sec: v.tsSec, nsec: v.tsNsec, linkType: v.linkType, dport: v.dport, caplen: v.caplen, wirelen: v.wirelen });
  });
  return { seen, damage: src.damage, format: src.format };
}

const pkt = (dport: number) => ethernet(ipv4(tcp({ dport })));

for (const bigEndian of [false, true]) {
  for (const nano of [false, true]) {
    test(`pcap ${bigEndian ? 'big' : 'little'}-endian, ${nano ? 'nano' : 'micro'}second timestamps`, async () => {
      const frac = nano ? 123456789 : 123456;
      const file = pcapFile(1, [
        { sec: 1700000000, frac, data: pkt(80) },
        { sec: 1700000001, frac: 0, data: pkt(443), wirelen: 1514 },
      ], { bigEndian, nano });
      const { seen, damage, format } = await replay(file);
      assert.equal(format, 'pcap');
      assert.equal(damage, null);
      assert.deepEqual(seen.map((s) => s.dport), [80, 443]);
      assert.equal(seen[0].sec, 1700000000);
      assert.equal(seen[0].nsec, nano ? 123456789 : 123456000);
      assert.equal(seen[1].wirelen, 1514);
      assert.equal(seen[0].linkType, 1);
    });
  }
}

test('pcapng: interfaces with different link types and if_tsresol, Simple Packet Blocks, big-endian section', async () => {
  for (const bigEndian of [false, true]) {
    const file = pcapngFile(
      [{ linkType: 1 }, { linkType: 101, tsresol: 9 }, { linkType: 229, tsresol: 0x80 | 10 }],
      [
        { ifId: 0, ts: 1700000000123456n, data: pkt(22) },
        { ifId: 1, ts: 1700000000987654321n, data: ipv4(tcp({ dport: 23 })) },
        { ifId: 2, ts: 1700000002n * 1024n + 512n, data: ipv6(tcp({ dport: 24 })) },
        { ifId: -1, ts: 0n, data: pkt(25) },
      ],
      bigEndian,
    );
    const { seen, damage, format } = await replay(file);
    assert.equal(format, 'pcapng');
    assert.equal(damage, null);
    assert.deepEqual(seen.map((s) => [s.linkType, s.dport]), [[1, 22], [101, 23], [229, 24], [1, 25]]);
    assert.deepEqual([seen[0].sec, seen[0].nsec], [1700000000, 123456000]);
    assert.deepEqual([seen[1].sec, seen[1].nsec], [1700000000, 987654321]);
    assert.deepEqual([seen[2].sec, seen[2].nsec], [1700000002, 500000000]);
    assert.deepEqual([seen[3].sec, seen[3].nsec], [1700000002, 500000000], 'an SPB has no time: it keeps the last one');
  }
});

test('a capture cut inside a record keeps what came before and says where it ends', async () => {
  const file = pcapFile(1, [1, 2, 3].map((i) => ({ sec: 1700000000 + i, frac: 0, data: pkt(i) })));
  const { seen, damage } = await replay(file.subarray(0, file.length - 10));
  assert.deepEqual(seen.map((s) => s.dport), [1, 2]);
  assert.match(damage!, /ends inside a record .*cut short/);
});

test('an absurd record length stops the replay with one line, after the good records', async () => {
  const file = pcapFile(1, [{ sec: 1, frac: 0, data: pkt(7) }, { sec: 2, frac: 0, data: pkt(8) }]);
  const second = 24 + 16 + pkt(7).length;
  file.set([0xff, 0xff, 0xff, 0x7f], second + 8); // captured length ~2 GB, little endian
  const { seen, damage } = await replay(file);
  assert.deepEqual(seen.map((s) => s.dport), [7]);
  assert.match(damage!, /record 2 at byte \d+ claims 2147483647 captured bytes/);
  const ng = pcapngFile([{ linkType: 1 }], [{ ifId: 0, ts: 1n, data: pkt(9) }, { ifId: 0, ts: 2n, data: pkt(10) }]);
  ng[ng.length - 1] ^= 0x10; // trailing length of the last block no longer matches
  const r = await replay(ng);
  assert.deepEqual(r.seen.map((s) => s.dport), [9]);
  assert.match(r.damage!, /trailing length does not match/);
});

test('not a capture file, an empty file and a missing file give one clear error', async () => {
  const attempt = async (p: Uint8Array | string) => {
    try {
      await replay(p);
      return null;
    } catch (e) {
      assert.ok(isSensorError(e));
      return e;
    }
  };
  const bad = await attempt(new TextEncoder().encode('hello, this is text\n'));
  assert.equal(bad?.code, 'PCAP_BAD_MAGIC');
  assert.match(bad!.message, /not a pcap or pcapng file \(starts with 0x68656c6c\)/);
  assert.equal((await attempt(new Uint8Array(0)))?.code, 'PCAP_TRUNCATED');
  const missing = await attempt(join(dir, 'nope.pcap'));
  assert.equal(missing?.code, 'FILE_OPEN');
  assert.match(missing!.message, /no such file/);
});

test('large records across the read window boundary are read whole', async () => {
  // 20 MB: records cut by the 8 MiB read-ahead chunks' edges, at every offset.
  const recs = Array.from({ length: 14000 }, (_, i) => ({ sec: 1700000000 + i, frac: 0, data: ethernet(ipv4(tcp({ dport: i, payload: new Array(1400).fill(i & 255) }))) }));
  const { seen, damage } = await replay(pcapFile(1, recs));
  assert.equal(damage, null);
  assert.equal(seen.length, 14000);
  assert.ok(seen.every((s, i) => s.dport === i && s.caplen === recs[i].data.length));
});

test('records longer than the room kept for a cut record (256 KiB), and than a whole read chunk (8 MiB), are read whole', async () => {
  const sizes = [1000, 300 << 10, 1000, 9 << 20, 1000, 5 << 20, 200, 5 << 20, 3 << 20, 1000];
  const recs = sizes.map((n, i) => {
    const data = new Uint8Array(n);
    data.set(ethernet(ipv4(tcp({ dport: i + 1 }))));
    data[n - 1] = i + 1;
    return { sec: 1700000000 + i, frac: 0, data };
  });
  const path = join(dir, 'big-records.pcap');
  writeFileSync(path, pcapFile(1, recs));
  const src = new FileSource(path);
  const seen: [number, number, number][] = [];
  await src.run((v) => {
    decode(v);
    seen.push([v.dport, v.caplen, v.bytes[v.offset + v.caplen - 1]]);
  });
  assert.equal(src.damage, null);
  assert.deepEqual(seen, sizes.map((n, i) => [i + 1, n, i + 1]));
});

const haveShared = existsSync(join(SHARED, 'truth.json'));

test('every public capture replays without a decode error', { skip: !haveShared && 'needs ../shared/captures' }, async () => {
  for (const f of readdirSync(SHARED).filter((n) => /\.pcap(ng)?$/.test(n))) {
    const src = new FileSource(join(SHARED, f));
    const byStatus = new Map<number, number>();
    let tooShortToDecode = 0;
    await src.run((v) => {
      const s = decode(v);
      byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
      if (s === DecodeStatus.TRUNCATED && v.caplen < 14) tooShortToDecode++;
    });
    assert.equal(src.damage, null, f);
    assert.ok((byStatus.get(DecodeStatus.OK) ?? 0) > 900, `${f}: decoded packets`);
    for (const s of [DecodeStatus.BAD_IP, DecodeStatus.BAD_TRANSPORT, DecodeStatus.UNSUPPORTED_LINK]) assert.equal(byStatus.get(s) ?? 0, 0, `${f}: status ${s}`);
    // The Gnutella trace's first frame is 4 bytes long in the file itself.
    assert.equal(byStatus.get(DecodeStatus.TRUNCATED) ?? 0, tooShortToDecode, `${f}: truncated packets`);
  }
});

const haveTools = ['editcap', 'tshark'].every((t) => {
  try {
    execFileSync('which', [t]);
    return true;
  } catch {
    return false;
  }
});

test('files written by editcap (pcapng, nanosecond pcap) read the same as the original', { skip: (!haveShared || !haveTools) && 'needs editcap and ../shared' }, async () => {
  const src = join(SHARED, 'evilfingers_nmap_sS_TCP_SYN_SCAN.pcap');
  const original = await replay(src);
  for (const fmt of ['pcapng', 'nsecpcap']) {
    const out = join(dir, `conv.${fmt}`);
    execFileSync('editcap', ['-F', fmt, src, out]);
    const conv = await replay(out);
    assert.equal(conv.format, fmt === 'pcapng' ? 'pcapng' : 'pcap');
    assert.deepEqual(conv.seen, original.seen, fmt);
  }
});
