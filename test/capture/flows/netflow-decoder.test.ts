import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ipv4ToString, ipv6ToString } from '../../../src/decode/address.js';
import { Role, type FlowRecord } from '../../../src/capture/flows/flow-record.js';
import { NetflowDecoder } from '../../../src/capture/flows/netflow-decoder.js';
import { be16, be32, be64, ip4, ip6, ipfix, ipfixTemplate, set, v5, v9, v9OptionsTemplate, v9Template, varlen, type Field } from './netflow-build.js';
import { rng } from './helpers.js';

interface Rec {
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  flags: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  icmpType: number;
  icmpCode: number;
  role: Role;
  revPackets: number;
  revFlags: number;
}

function decoder(o: { maxTemplates?: number; maxExporters?: number } = {}) {
  const recs: Rec[] = [];
  const problems: string[] = [];
  const d = new NetflowDecoder(
    { maxTemplates: o.maxTemplates ?? 100, maxExporters: o.maxExporters ?? 100, onProblem: (reason, make) => problems.push(`${reason}: ${make()}`) },
    (r: FlowRecord) =>
      recs.push({
        src: r.ipVersion === 4 ? ipv4ToString(r.src4) : ipv6ToString(r.src6),
        dst: r.ipVersion === 4 ? ipv4ToString(r.dst4) : ipv6ToString(r.dst6),
        proto: r.proto,
        sport: r.sport,
        dport: r.dport,
        flags: r.tcpFlags,
        packets: r.packets,
        bytes: r.bytes,
        start: r.start,
        end: r.end,
        icmpType: r.icmpType,
        icmpCode: r.icmpCode,
        role: r.role,
        revPackets: r.revPackets,
        revFlags: r.revFlags,
      }),
  );
  return { d, recs, problems };
}

const EXP = '192.0.2.1:9995';
const T0 = 1_700_000_000;

describe('NetFlow v5', () => {
  test('records, times from sysUptime (also across its wrap), sequence gaps, short datagrams', () => {
    const { d, recs, problems } = decoder();
    const flow = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 22, proto: 6, flags: 0x02, packets: 3, bytes: 180, first: 99_000, last: 99_500 };
    d.decode(v5({ uptime: 100_000, secs: T0, nsecs: 500_000_000, seq: 10 }, [flow, { ...flow, dport: 23, proto: 17, flags: 0 }]), EXP, 1);
    assert.equal(recs.length, 2);
    assert.deepEqual(
      { ...recs[0], start: recs[0].start, end: recs[0].end },
      { src: '10.0.0.1', dst: '10.0.0.2', proto: 6, sport: 40000, dport: 22, flags: 2, packets: 3, bytes: 180, start: T0 - 0.5, end: T0, icmpType: -1, icmpCode: -1, role: Role.UNKNOWN, revPackets: 0, revFlags: -1 },
    );
    // The exporter's uptime wrapped (49.7 days) between the flow's first packet and the export.
    d.decode(v5({ uptime: 1000, secs: T0, seq: 12 }, [{ ...flow, first: 0xfffff000, last: 500 }]), EXP, 1);
    assert.equal(recs[2].start, T0 - 5.096);
    assert.equal(recs[2].end, T0 - 0.5);
    assert.equal(d.sequenceLost, 0);
    d.decode(v5({ uptime: 1000, secs: T0, seq: 20 }, [flow]), EXP, 1);
    assert.equal(d.sequenceLost, 7, 'flows 13..19 missing');
    // Header says 3 flows, two follow.
    const short = v5({ uptime: 1, secs: T0 }, [flow, flow, flow]).subarray(0, 24 + 2 * 48);
    d.decode(short, EXP, 1);
    d.decode(short.subarray(0, 10), EXP, 1);
    assert.equal(d.truncated, 2);
    assert.equal(recs.length, 4);
    assert.ok(problems.some((p) => p.startsWith('truncated: netflow: 192.0.2.1:9995: v5 header says 3 flows')));
  });
});

const V4_FIELDS: Field[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 7, len: 2 },
  { id: 11, len: 2 },
  { id: 4, len: 1 },
  { id: 6, len: 1 },
  { id: 2, len: 4 },
  { id: 1, len: 4 },
  { id: 22, len: 4 },
  { id: 21, len: 4 },
];

function v4Data(src: string, dst: string, sport: number, dport: number, proto: number, flags: number, pkts: number, first: number, last: number): number[] {
  return [...ip4(src), ...ip4(dst), ...be16(sport), ...be16(dport), proto, flags, ...be32(pkts), ...be32(pkts * 60), ...be32(first), ...be32(last)];
}

describe('NetFlow v9', () => {
  test('templates and data in one datagram; times from FIRST/LAST_SWITCHED; IPv6 and ICMP templates', () => {
    const { d, recs } = decoder();
    const v6Fields: Field[] = [
      { id: 27, len: 16 },
      { id: 28, len: 16 },
      { id: 4, len: 1 },
      { id: 32, len: 2 },
      { id: 2, len: 8 },
      { id: 22, len: 4 },
    ];
    d.decode(
      v9({ uptime: 60_000, secs: T0, sourceId: 3 }, [
        set(0, [...v9Template(256, V4_FIELDS), ...v9Template(257, v6Fields)]),
        set(256, [...v4Data('10.0.0.1', '10.0.0.2', 40000, 80, 6, 0x12, 2, 59_000, 59_250), ...v4Data('10.0.0.2', '10.0.0.1', 80, 40000, 6, 0x14, 1, 59_001, 59_001)]),
        set(257, [...ip6('2001:db8::1'), ...ip6('2001:db8::2'), 58, ...be16(0x0101), ...be64(4), ...be32(58_000)]),
      ]),
      EXP,
      1,
    );
    assert.equal(d.store.templatesReceived, 2);
    assert.equal(d.store.templateCount, 2);
    assert.equal(recs.length, 3);
    assert.deepEqual([recs[0].src, recs[0].dst, recs[0].sport, recs[0].dport, recs[0].flags, recs[0].packets], ['10.0.0.1', '10.0.0.2', 40000, 80, 0x12, 2]);
    assert.equal(recs[0].start, T0 - 1);
    assert.equal(recs[0].end, T0 - 0.75);
    assert.equal(recs[1].flags, 0x14);
    assert.deepEqual([recs[2].src, recs[2].dst, recs[2].proto, recs[2].icmpType, recs[2].icmpCode, recs[2].packets, recs[2].start], ['2001:db8::1', '2001:db8::2', 58, 1, 1, 4, T0 - 2]);
    // No LAST_SWITCHED: the end is the start.
    assert.equal(recs[2].end, recs[2].start);
  });

  test('data before its template, per source id and per exporter; options templates; redefinition', () => {
    const { d, recs, problems } = decoder();
    const data = set(256, v4Data('10.0.0.1', '10.0.0.2', 1, 2, 17, 0, 1, 0, 0));
    d.decode(v9({ uptime: 1000, secs: T0, sourceId: 1 }, [data]), EXP, 1);
    assert.equal(d.noTemplate, 1);
    assert.ok(problems.some((p) => /data for template 256 before its template/.test(p)));
    d.decode(v9({ uptime: 1000, secs: T0, sourceId: 1 }, [set(0, v9Template(256, V4_FIELDS)), data]), EXP, 1);
    assert.equal(recs.length, 1);
    // Another source id, and another exporter, have their own templates.
    d.decode(v9({ uptime: 1000, secs: T0, sourceId: 2 }, [data]), EXP, 1);
    d.decode(v9({ uptime: 1000, secs: T0, sourceId: 1 }, [data]), '192.0.2.2:9995', 1);
    assert.equal(d.noTemplate, 3);
    assert.equal(recs.length, 1);
    // An options template (scope System, option SAMPLING_INTERVAL) and its record: read, not a flow.
    d.decode(
      v9({ uptime: 1000, secs: T0, sourceId: 1 }, [set(1, v9OptionsTemplate(300, [{ id: 1, len: 4 }], [{ id: 34, len: 4 }])), set(300, [...be32(0), ...be32(100)])]),
      EXP,
      1,
    );
    assert.equal(d.optionsRecords, 1);
    assert.equal(recs.length, 1);
    // Redefinition: template 256 now starts with the ports.
    const swapped: Field[] = [{ id: 7, len: 2 }, { id: 11, len: 2 }, ...V4_FIELDS.filter((f) => f.id !== 7 && f.id !== 11)];
    d.decode(
      v9({ uptime: 1000, secs: T0, sourceId: 1 }, [
        set(0, v9Template(256, swapped)),
        set(256, [...be16(5353), ...be16(53), ...ip4('10.0.0.3'), ...ip4('10.0.0.4'), 17, 0, ...be32(1), ...be32(60), ...be32(0), ...be32(0)]),
      ]),
      EXP,
      1,
    );
    assert.deepEqual([recs[1].src, recs[1].sport, recs[1].dport], ['10.0.0.3', 5353, 53]);
    assert.equal(d.store.templateCount, 2, '256 (redefined, counted once) and 300 for source 1');
  });

  test('malformed flowsets, templates and records are counted; decoding goes on', () => {
    const { d, recs } = decoder();
    const tpl = set(0, v9Template(256, V4_FIELDS));
    const rec = v4Data('10.0.0.1', '10.0.0.2', 1, 2, 6, 2, 1, 0, 0);
    // A flowset claiming more bytes than the datagram has.
    const bad = [...be16(256), ...be16(400), ...rec];
    d.decode(v9({ uptime: 1, secs: T0 }, [tpl, bad]), EXP, 1);
    assert.equal(d.badSet, 1);
    // A flowset of length 2.
    d.decode(v9({ uptime: 1, secs: T0 }, [[...be16(256), ...be16(2)]]), EXP, 1);
    assert.equal(d.badSet, 2);
    // Templates: an address of 2 bytes, a field of length 0, more fields than bytes, a template id below 256.
    d.decode(v9({ uptime: 1, secs: T0 }, [set(0, v9Template(260, [{ id: 8, len: 2 }, { id: 12, len: 4 }]))]), EXP, 1);
    d.decode(v9({ uptime: 1, secs: T0 }, [set(0, v9Template(261, [{ id: 8, len: 4 }, { id: 99, len: 0 }]))]), EXP, 1);
    d.decode(v9({ uptime: 1, secs: T0 }, [set(0, [...be16(262), ...be16(50), ...be16(8), ...be16(4)])]), EXP, 1);
    d.decode(v9({ uptime: 1, secs: T0 }, [set(0, v9Template(12, V4_FIELDS))]), EXP, 1);
    assert.equal(d.badTemplate, 4);
    // A record cut short at the end of its set is padding, not a record.
    d.decode(v9({ uptime: 1, secs: T0 }, [tpl, set(256, [...rec, ...rec.slice(0, 10)])]), EXP, 1);
    assert.equal(recs.length, 1);
    // Reserved flowset ids are skipped.
    d.decode(v9({ uptime: 1, secs: T0 }, [set(7, [1, 2, 3, 4]), set(256, rec)]), EXP, 1);
    assert.equal(d.unknownSet, 1);
    assert.equal(recs.length, 2);
    // A template without addresses: its records are not flows.
    d.decode(v9({ uptime: 1, secs: T0 }, [set(0, v9Template(270, [{ id: 2, len: 4 }])), set(270, be32(5))]), EXP, 1);
    assert.equal(d.recordsNoIp, 1);
  });
});

describe('IPFIX', () => {
  test('millisecond times, enterprise fields skipped, RFC 5103 reverse fields, variable-length fields', () => {
    const { d, recs } = decoder();
    const fields: Field[] = [
      { id: 82, len: 65535 }, // interfaceName, variable length
      { id: 8, len: 4 },
      { id: 12, len: 4 },
      { id: 7, len: 2 },
      { id: 11, len: 2 },
      { id: 4, len: 1 },
      { id: 6, len: 2 }, // tcpControlBits as unsigned16 (RFC 7125)
      { id: 2, len: 8 },
      { id: 152, len: 8 },
      { id: 153, len: 8 },
      { id: 1, len: 4, pen: 9 }, // somebody's enterprise field
      { id: 2, len: 4, pen: 29305 }, // reverse packetDeltaCount
      { id: 6, len: 1, pen: 29305 }, // reverse tcpControlBits
      { id: 239, len: 1 }, // biflowDirection
    ];
    const row = (name: number[], rev: number, dir: number) => [
      ...varlen(name),
      ...ip4('10.1.0.1'),
      ...ip4('10.1.0.2'),
      ...be16(50000),
      ...be16(443),
      6,
      ...be16(0x1a),
      ...be64(6),
      ...be64(T0 * 1000 + 250),
      ...be64(T0 * 1000 + 900),
      ...be32(7),
      ...be32(rev),
      0x1b,
      dir,
    ];
    d.decode(ipfix({ exportTime: T0 + 5, domain: 1 }, [set(2, ipfixTemplate(400, fields)), set(400, [...row([0x65, 0x74, 0x68, 0x30], 5, 1), ...row(Array(300).fill(0x61), 0, 0)])]), EXP, 1);
    assert.equal(recs.length, 2);
    assert.equal(d.store.fieldsIgnored, 2, 'interfaceName and the enterprise-9 field');
    assert.deepEqual([recs[0].src, recs[0].dport, recs[0].flags, recs[0].packets, recs[0].start, recs[0].end], ['10.1.0.1', 443, 0x1a, 6, T0 + 0.25, T0 + 0.9]);
    assert.deepEqual([recs[0].revPackets, recs[0].revFlags, recs[0].role], [5, 0x1b, Role.INITIATOR]);
    assert.deepEqual([recs[1].revPackets, recs[1].role], [0, Role.UNKNOWN]);
    // A variable-length field running past the set: counted, the rest of the set skipped.
    d.decode(ipfix({ exportTime: T0, domain: 1 }, [set(400, [255, ...be16(5000), ...Array(60).fill(1)])]), EXP, 1);
    assert.equal(d.badRecord, 1);
  });

  test('flowStartSysUpTime needs systemInitTimeMilliseconds from an options record; NTP microsecond times', () => {
    const { d, recs } = decoder();
    const fields: Field[] = [
      { id: 8, len: 4 },
      { id: 12, len: 4 },
      { id: 4, len: 1 },
      { id: 22, len: 4 },
      { id: 21, len: 4 },
    ];
    const row = [...ip4('10.2.0.1'), ...ip4('10.2.0.2'), 17, ...be32(5000), ...be32(7000)];
    d.decode(ipfix({ exportTime: T0 }, [set(2, ipfixTemplate(256, fields)), set(256, row)]), EXP, 1);
    assert.equal(d.timeUnknown, 1);
    assert.ok(Number.isNaN(recs[0].start), 'no way to place uptime times yet: left to arrival time');
    // softflowd's options template: scope meteringProcessId, then systemInitTimeMilliseconds.
    const opt = ipfixTemplate(
      300,
      [
        { id: 143, len: 4 },
        { id: 160, len: 8 },
      ],
      1,
    );
    d.decode(ipfix({ exportTime: T0 }, [set(3, opt), set(300, [...be32(42), ...be64((T0 - 100) * 1000)]), set(256, row)]), EXP, 1);
    assert.equal(d.optionsRecords, 1);
    assert.equal(recs[1].start, T0 - 95);
    assert.equal(recs[1].end, T0 - 93);
    // dateTimeMicroseconds (NTP format): 1900 epoch.
    const ntp = [...be32(T0 + 2208988800), ...be32(0x80000000)];
    d.decode(
      ipfix({ exportTime: T0 }, [
        set(2, ipfixTemplate(257, [{ id: 8, len: 4 }, { id: 12, len: 4 }, { id: 4, len: 1 }, { id: 154, len: 8 }])),
        set(257, [...ip4('10.2.0.3'), ...ip4('10.2.0.4'), 1, ...ntp]),
      ]),
      EXP,
      1,
    );
    assert.equal(recs[2].start, T0 + 0.5);
  });

  test('templates per observation domain; withdrawal; reserved sets; the template cap', () => {
    const { d, recs } = decoder({ maxTemplates: 2 });
    const a: Field[] = [
      { id: 8, len: 4 },
      { id: 12, len: 4 },
      { id: 4, len: 1 },
    ];
    const b: Field[] = [
      { id: 4, len: 1 },
      { id: 8, len: 4 },
      { id: 12, len: 4 },
    ];
    d.decode(ipfix({ exportTime: T0, domain: 1 }, [set(2, ipfixTemplate(256, a))]), EXP, 1);
    d.decode(ipfix({ exportTime: T0, domain: 2 }, [set(2, ipfixTemplate(256, b))]), EXP, 1);
    const bytes = [...ip4('10.3.0.1'), ...ip4('10.3.0.2'), 6];
    d.decode(ipfix({ exportTime: T0, domain: 1 }, [set(256, bytes)]), EXP, 1);
    d.decode(ipfix({ exportTime: T0, domain: 2 }, [set(256, [6, ...ip4('10.3.0.1'), ...ip4('10.3.0.2')])]), EXP, 1);
    assert.deepEqual(
      recs.map((r) => [r.src, r.proto]),
      [
        ['10.3.0.1', 6],
        ['10.3.0.1', 6],
      ],
    );
    // The cap: a third template is refused.
    d.decode(ipfix({ exportTime: T0, domain: 3 }, [set(2, ipfixTemplate(256, a))]), EXP, 1);
    assert.equal(d.store.templatesRefused, 1);
    // Withdrawal of 256 in domain 1: its data is now data without template.
    d.decode(ipfix({ exportTime: T0, domain: 1 }, [set(2, [...be16(256), ...be16(0)]), set(256, bytes)]), EXP, 1);
    assert.equal(d.store.templatesWithdrawn, 1);
    assert.equal(d.noTemplate, 1);
    assert.equal(d.store.templateCount, 1);
    d.decode(ipfix({ exportTime: T0, domain: 1 }, [set(5, [0, 0, 0, 0])]), EXP, 1);
    assert.equal(d.unknownSet, 1);
    // An IPFIX length beyond the datagram.
    const m = ipfix({ exportTime: T0 }, []);
    m[3] = 200;
    d.decode(m, EXP, 1);
    assert.equal(d.truncated, 1);
  });
});

describe('any datagram', () => {
  test('other versions are counted, never decoded', () => {
    const { d } = decoder();
    d.decode(Uint8Array.from([0, 1, 0, 0]), EXP, 1);
    d.decode(Uint8Array.from([0, 7, ...Array(30).fill(0)]), EXP, 1);
    d.decode(Uint8Array.from([0x47, 0x45, 0x54, 0x20]), EXP, 1);
    d.decode(Uint8Array.from([9]), EXP, 1);
    assert.equal(d.badVersion, 3);
    assert.equal(d.truncated, 1);
  });

  test('fuzz: truncated and bit-flipped datagrams never throw, and every datagram is counted once', () => {
    const { d } = decoder();
    const r = rng(11);
    const tplV9 = set(0, v9Template(256, V4_FIELDS));
    const seeds = [
      v5({ uptime: 5, secs: T0 }, [{ src: '1.2.3.4', dst: '5.6.7.8', sport: 1, dport: 2, proto: 6, flags: 2, packets: 1, bytes: 40, first: 1, last: 2 }]),
      v9({ uptime: 5, secs: T0 }, [tplV9, set(256, v4Data('1.2.3.4', '5.6.7.8', 1, 2, 6, 2, 1, 1, 1))]),
      ipfix({ exportTime: T0 }, [
        set(2, ipfixTemplate(256, [{ id: 82, len: 65535 }, { id: 8, len: 4 }, { id: 12, len: 4 }, { id: 6, len: 1, pen: 29305 }])),
        set(256, [...varlen([1, 2]), ...ip4('1.2.3.4'), ...ip4('5.6.7.8'), 2]),
        set(3, ipfixTemplate(300, [{ id: 143, len: 4 }, { id: 160, len: 8 }], 1)),
      ]),
    ];
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const s = seeds[i % seeds.length];
      let m = Uint8Array.from(s);
      if (r() < 0.5) m = m.subarray(0, Math.floor(r() * (m.length + 1)));
      const flips = Math.floor(r() * 6);
      for (let k = 0; k < flips && m.length > 0; k++) m[Math.floor(r() * m.length)] = Math.floor(r() * 256);
      d.decode(m, `10.0.0.${i % 7}:2055`, 1);
    }
    assert.equal(d.datagrams, n);
    // Each datagram is one of: too short for a version, another version, v5, v9, IPFIX.
    assert.ok(d.v5 + d.v9 + d.ipfix + d.badVersion <= n);
    assert.ok(d.records > 0);
    assert.ok(d.store.templateCount >= 0 && d.store.templateCount <= 100);
  });
});
