import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlowRecord, Role } from '../../../src/capture/flows/flow-record.js';
import { LineSplitter } from '../../../src/capture/flows/line-splitter.js';
import { JsonBad, NprobeJsonParser, jsonNumber } from '../../../src/capture/flows/nprobe-json.js';
import { ipv4ToString, ipv6ToString } from '../../../src/decode/address.js';

const parser = new NprobeJsonParser();
const rec = new FlowRecord();
const parse = (o: Record<string, unknown>) => parser.parse(o, rec);
const base = { IPV4_SRC_ADDR: '10.0.0.5', IPV4_DST_ADDR: '10.0.0.9', PROTOCOL: 6, L4_SRC_PORT: 40000, L4_DST_PORT: 22, TCP_FLAGS: 2, IN_PKTS: 1 };

describe('nProbe JSON flows', () => {
  test("PortScanDetector's example record, by label and by numeric id, numbers or numeric strings", () => {
    assert.equal(parse(base), JsonBad.NONE);
    assert.deepEqual([ipv4ToString(rec.src4), ipv4ToString(rec.dst4), rec.proto, rec.sport, rec.dport, rec.tcpFlags, rec.packets], ['10.0.0.5', '10.0.0.9', 6, 40000, 22, 2, 1]);
    assert.ok(Number.isNaN(rec.start), 'no times in the template');
    assert.equal(rec.role, Role.UNKNOWN);
    assert.equal(parse({ '8': '10.0.0.5', '12': '10.0.0.9', '4': '6', '7': '40000', '11': '22', '6': '0x29', '2': '3' }), JsonBad.NONE);
    assert.deepEqual([rec.proto, rec.dport, rec.tcpFlags, rec.packets], [6, 22, 0x29, 3]);
    assert.equal(parse({ ...base, PROTOCOL: 'UDP', TCP_FLAGS: undefined }), JsonBad.NONE);
    assert.equal(rec.proto, 17);
    assert.equal(jsonNumber(' 12 '), 12);
    assert.ok(Number.isNaN(jsonNumber('0xzz')));
    assert.ok(Number.isNaN(jsonNumber(true)));
  });

  test('IPv6, and a template with both families (zeros in the unused one)', () => {
    assert.equal(parse({ ...base, IPV4_SRC_ADDR: undefined, IPV4_DST_ADDR: undefined, IPV6_SRC_ADDR: '2001:db8::1', IPV6_DST_ADDR: '2001:db8::2' }), JsonBad.NONE);
    assert.deepEqual([rec.ipVersion, ipv6ToString(rec.src6), ipv6ToString(rec.dst6)], [6, '2001:db8::1', '2001:db8::2']);
    assert.equal(parse({ ...base, IPV4_SRC_ADDR: '0.0.0.0', IPV4_DST_ADDR: '0.0.0.0', IPV6_SRC_ADDR: '2001:db8::1', IPV6_DST_ADDR: '2001:db8::2' }), JsonBad.NONE);
    assert.equal(rec.ipVersion, 6);
    assert.equal(parse({ ...base, IPV6_SRC_ADDR: '::', IPV6_DST_ADDR: '::' }), JsonBad.NONE);
    assert.equal(rec.ipVersion, 4);
  });

  test('times in any unit and field, the finest first', () => {
    parse({ ...base, FIRST_SWITCHED: 1_700_000_000, LAST_SWITCHED: 1_700_000_002 });
    assert.deepEqual([rec.start, rec.end], [1_700_000_000, 1_700_000_002]);
    parse({ ...base, FIRST_SWITCHED: 1_700_000_000, FLOW_START_MILLISECONDS: '1700000000250', FLOW_END_MILLISECONDS: 1_700_000_000_750 });
    assert.deepEqual([rec.start, rec.end], [1_700_000_000.25, 1_700_000_000.75]);
    parse({ ...base, '154': 1_700_000_000_500_000 });
    assert.deepEqual([rec.start, rec.end], [1_700_000_000.5, 1_700_000_000.5]);
    parse({ ...base, FIRST_SWITCHED: 12345 });
    assert.ok(Number.isNaN(rec.start), 'an uptime, not a time: arrival time is used');
  });

  test('biflows: OUT_PKTS makes the source the client; CLIENT/SERVER_TCP_FLAGS give each side', () => {
    parse({ ...base, TCP_FLAGS: 0x16, OUT_PKTS: 1 });
    assert.deepEqual([rec.role, rec.revPackets, rec.tcpFlags, rec.revFlags], [Role.INITIATOR, 1, 0x16, -1]);
    parse({ ...base, TCP_FLAGS: 0x16, CLIENT_TCP_FLAGS: 2, SERVER_TCP_FLAGS: 0x14, OUT_PKTS: 1 });
    assert.deepEqual([rec.tcpFlags, rec.revFlags], [2, 0x14]);
    parse({ ...base, TCP_FLAGS: undefined, '57550': 2, '57551': 0x12, '24': 1 });
    assert.deepEqual([rec.tcpFlags, rec.revFlags, rec.revPackets], [2, 0x12, 1]);
  });

  test('ICMP type and code: ICMP_TYPE (type * 256 + code) or ICMP_IPV4_TYPE/CODE', () => {
    parse({ ...base, PROTOCOL: 1, L4_SRC_PORT: 0, L4_DST_PORT: 0, TCP_FLAGS: 0, ICMP_TYPE: 0x0303 });
    assert.deepEqual([rec.icmpType, rec.icmpCode], [3, 3]);
    parse({ ...base, PROTOCOL: 1, L4_SRC_PORT: undefined, L4_DST_PORT: undefined, ICMP_IPV4_TYPE: 8, ICMP_IPV4_CODE: 0 });
    assert.deepEqual([rec.icmpType, rec.icmpCode], [8, 0]);
  });

  test('rejects name their reason and the field', () => {
    const cases: [Record<string, unknown>, JsonBad, RegExp][] = [
      [{ ...base, IPV4_SRC_ADDR: undefined }, JsonBad.MISSING_FIELD, /IPV4_SRC_ADDR/],
      [{ PROTOCOL: 6 }, JsonBad.MISSING_FIELD, /SRC_ADDR/],
      [{ ...base, PROTOCOL: undefined }, JsonBad.MISSING_FIELD, /PROTOCOL/],
      [{ ...base, L4_SRC_PORT: undefined }, JsonBad.MISSING_FIELD, /L4_SRC_PORT/],
      [{ ...base, TCP_FLAGS: undefined }, JsonBad.MISSING_FIELD, /TCP_FLAGS/],
      [{ ...base, IPV4_DST_ADDR: '10.0.0' }, JsonBad.BAD_ADDRESS, /IPV4_DST_ADDR="10.0.0"/],
      [{ ...base, IPV4_DST_ADDR: 12 }, JsonBad.NONE, /^$/],
      [{ ...base, IPV4_DST_ADDR: -1 }, JsonBad.BAD_ADDRESS, /IPV4_DST_ADDR=-1/],
      [{ ...base, IPV4_SRC_ADDR: undefined, IPV4_DST_ADDR: undefined, IPV6_SRC_ADDR: '2001:db8::1', IPV6_DST_ADDR: 'nope' }, JsonBad.BAD_ADDRESS, /IPV6_DST_ADDR/],
      [{ ...base, L4_DST_PORT: 65536 }, JsonBad.BAD_VALUE, /L4_DST_PORT=65536/],
      [{ ...base, L4_DST_PORT: 1.5 }, JsonBad.BAD_VALUE, /L4_DST_PORT/],
      [{ ...base, PROTOCOL: 300 }, JsonBad.BAD_VALUE, /PROTOCOL=300/],
      [{ ...base, TCP_FLAGS: 'SYN' }, JsonBad.BAD_VALUE, /TCP_FLAGS="SYN"/],
      [{ ...base, IN_PKTS: '-3' }, JsonBad.BAD_VALUE, /IN_PKTS/],
      [{ ...base, OUT_PKTS: 'many' }, JsonBad.BAD_VALUE, /OUT_PKTS/],
    ];
    for (const [o, want, detail] of cases) {
      parser.detail = '';
      assert.equal(parse(o), want, JSON.stringify(o));
      if (want !== JsonBad.NONE) assert.match(parser.detail, detail);
    }
  });
});

describe('line splitting', () => {
  const collect = (s: LineSplitter, chunks: Buffer[]) => {
    const lines: string[] = [];
    for (const c of chunks) s.push(c, (b, a, e) => lines.push(b.toString('utf8', a, e)));
    return lines;
  };

  test('a UTF-8 character cut across reads is whole again; CRLF; every cut position', () => {
    const text = 'ab\r\n{"x":"é✓🙂"}\nlast\n';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (let cut2 = cut; cut2 <= bytes.length; cut2 += 3) {
        const lines = collect(new LineSplitter(100), [bytes.subarray(0, cut), bytes.subarray(cut, cut2), bytes.subarray(cut2)]);
        assert.deepEqual(lines, ['ab', '{"x":"é✓🙂"}', 'last'], `cut at ${cut}, ${cut2}`);
      }
    }
  });

  test('a line over the cap is dropped as it streams in, never held whole; the next line is fine', () => {
    const s = new LineSplitter(16);
    const lines: string[] = [];
    const on = (b: Buffer, a: number, e: number) => lines.push(b.toString('utf8', a, e));
    s.push(Buffer.from('short\n0123456789'), on);
    for (let i = 0; i < 1000; i++) {
      s.push(Buffer.from('abcdefghij'), on);
      assert.ok(s.pending <= 16);
    }
    assert.ok(s.skipping);
    s.push(Buffer.from('xyz\nok\n'), on);
    assert.deepEqual(lines, ['short', 'ok']);
    assert.equal(s.oversize, 1);
    // Over the cap inside one chunk too.
    s.push(Buffer.from('a'.repeat(40) + '\nfine\n'), on);
    assert.deepEqual(lines, ['short', 'ok', 'fine']);
    assert.equal(s.oversize, 2);
  });

  test('end(): the unfinished line, if any', () => {
    const s = new LineSplitter(100);
    const lines: string[] = [];
    const on = (b: Buffer, a: number, e: number) => lines.push(b.toString('utf8', a, e));
    s.push(Buffer.from('one\ntw'), on);
    s.push(Buffer.from('o'), on);
    assert.equal(s.end(on), true);
    assert.equal(s.end(on), false);
    assert.deepEqual(lines, ['one', 'two']);
  });
});
