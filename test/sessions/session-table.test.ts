import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4ToString } from '../../src/decode/address.js';
import { formatTime, parseTime, sessionRow } from '../../src/sessions/columns.js';
import type { Session } from '../../src/sessions/session.js';
import { SessionEnd, SessionTable } from '../../src/sessions/session-table.js';
import { ACK, FIN, PSH, RST, SYN, URG, tcp, udp } from '../detect/helpers/views.js';

interface Closed {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  end: SessionEnd;
  row: (string | number)[];
  features: number[];
  requests: number;
  responses: number;
}

function table(window = 0.5, maxSessions = 1000) {
  const closed: Closed[] = [];
  const t = new SessionTable({
    window,
    maxSessions,
    onClose: (s: Session, end) => {
      const f = new Float64Array(7);
      s.features(f);
      closed.push({
        src: s.v6 ? 'v6' : ipv4ToString(s.src4),
        dst: s.v6 ? 'v6' : ipv4ToString(s.dst4),
        sport: s.srcPort,
        dport: s.dstPort,
        end,
        row: sessionRow(s, 1),
        features: [...f],
        requests: s.requests,
        responses: s.responses,
      });
    },
  });
  return { t, closed };
}

const A = '10.0.0.1';
const B = '10.0.0.2';

test('a handshake, data and teardown is one session; flags summed over both directions; closed after the window', () => {
  const { t, closed } = table();
  const pkts = [
    tcp({ ts: 100.0, src: A, dst: B, sport: 40000, dport: 80, flags: SYN }),
    tcp({ ts: 100.001, src: B, dst: A, sport: 80, dport: 40000, flags: SYN | ACK }),
    tcp({ ts: 100.002, src: A, dst: B, sport: 40000, dport: 80, flags: ACK }),
    tcp({ ts: 100.003, src: A, dst: B, sport: 40000, dport: 80, flags: ACK | PSH, payload: 10 }),
    tcp({ ts: 100.2, src: B, dst: A, sport: 80, dport: 40000, flags: ACK | PSH | URG, payload: 10 }),
    tcp({ ts: 100.3, src: A, dst: B, sport: 40000, dport: 80, flags: FIN | ACK }),
  ];
  for (const p of pkts) t.onPacket(p);
  assert.equal(closed.length, 0, 'still open');
  // 0.499 s after the last packet: still open; 0.5 s: closed (nmap-harvester: 0.5 s without packets).
  t.onPacket(udp({ ts: 100.9, src: '10.9.9.9', dst: B, dport: 53 }));
  t.onPacket(tcp({ ts: 100.799, src: '10.9.9.9', dst: B, dport: 25, flags: SYN }));
  assert.equal(closed.length, 0);
  t.onPacket(tcp({ ts: 100.8, src: '10.9.9.9', dst: B, dport: 26, flags: SYN }));
  assert.equal(closed.length, 1);
  const c = closed[0];
  assert.deepEqual([c.src, c.dst, c.sport, c.dport, c.end], [A, B, 40000, 80, SessionEnd.IDLE]);
  assert.equal(c.requests, 4);
  assert.equal(c.responses, 2);
  // duration = last response (100.2) - first request (100.0); SYN 2, ACK 5, FIN 1, RST 0, URG 1, PSH 2
  assert.deepEqual(c.features, [0.2, 2, 5, 1, 0, 1, 2]);
  assert.equal(c.row[0], formatTime(100.0));
  assert.equal(c.row[2], formatTime(100.001));
  assert.equal(c.row[3], formatTime(100.2));
  assert.equal(t.notTcp, 1);
});

test('without an answer the duration runs to the last request and the response times are empty', () => {
  const { t, closed } = table();
  t.onPacket(tcp({ ts: 5, src: A, dst: B, dport: 22, flags: SYN }));
  t.onPacket(tcp({ ts: 5.25, src: A, dst: B, dport: 22, flags: SYN }));
  t.flush(5.3);
  assert.equal(closed.length, 1);
  assert.equal(closed[0].end, SessionEnd.FLUSH);
  assert.deepEqual(closed[0].features, [0.25, 2, 0, 0, 0, 0, 0]);
  assert.equal(closed[0].row[2], '');
  assert.equal(closed[0].row[3], '');
  assert.equal(t.flushed, 1);
});

test('the key is the full 5-tuple: same ports between other hosts are other sessions (the harvester merged them)', () => {
  const { t, closed } = table();
  t.onPacket(tcp({ ts: 1, src: A, dst: B, sport: 1234, dport: 80, flags: SYN }));
  t.onPacket(tcp({ ts: 1, src: '10.0.0.3', dst: B, sport: 1234, dport: 80, flags: SYN }));
  t.onPacket(tcp({ ts: 1, src: A, dst: '10.0.0.4', sport: 1234, dport: 80, flags: SYN }));
  t.onPacket(tcp({ ts: 1, src: B, dst: A, sport: 80, dport: 1234, flags: RST | ACK }));
  assert.equal(t.open, 3);
  t.flush(2);
  assert.equal(closed.length, 3);
  const first = closed.find((c) => c.src === A && c.dst === B)!;
  assert.equal(first.responses, 1, 'the RST from B is the response of A->B, whichever way round');
});

test('a session from the lower address to the higher and one the other way are keyed alike (direction-independent)', () => {
  const { t, closed } = table();
  t.onPacket(tcp({ ts: 1, src: '10.0.0.9', dst: '10.0.0.1', sport: 5555, dport: 443, flags: SYN }));
  t.onPacket(tcp({ ts: 1.1, src: '10.0.0.1', dst: '10.0.0.9', sport: 443, dport: 5555, flags: SYN | ACK }));
  t.flush(2);
  assert.equal(closed.length, 1);
  assert.equal(closed[0].src, '10.0.0.9', 'the opener is the source');
  assert.equal(closed[0].responses, 1);
});

test('a gap longer than the window starts a new session on the same 5-tuple', () => {
  const { t, closed } = table(0.5);
  t.onPacket(tcp({ ts: 1, src: A, dst: B, dport: 80, flags: SYN }));
  t.onPacket(tcp({ ts: 1.6, src: A, dst: B, dport: 80, flags: SYN }));
  assert.equal(closed.length, 1);
  t.flush(2);
  assert.equal(closed.length, 2);
});

test('IPv6 sessions', () => {
  const { t, closed } = table();
  t.onPacket(tcp({ ts: 1, src: '2001:db8::1', dst: '2001:db8::2', sport: 4000, dport: 80, flags: SYN }));
  t.onPacket(tcp({ ts: 1.01, src: '2001:db8::2', dst: '2001:db8::1', sport: 80, dport: 4000, flags: RST | ACK }));
  t.flush(2);
  assert.equal(closed.length, 1);
  assert.equal(closed[0].row[5], '2001:db8::1');
  assert.equal(closed[0].row[6], '2001:db8::2');
  assert.deepEqual(closed[0].features, [0.01, 1, 1, 0, 1, 0, 0]);
});

test('the table is bounded: the least recently active session is closed early and counted', () => {
  const { t, closed } = table(10, 4);
  for (let i = 0; i < 10; i++) t.onPacket(tcp({ ts: 1 + i * 0.01, src: A, dst: B, sport: 1000 + i, dport: 80, flags: SYN }));
  assert.equal(t.open, 4);
  assert.equal(t.table.evictions, 6);
  assert.deepEqual(closed.map((c) => c.sport), [1000, 1001, 1002, 1003, 1004, 1005]);
  assert.ok(closed.every((c) => c.end === SessionEnd.EVICTED));
});

test('times are written as the harvester writes datetimes (UTC) and read back', () => {
  assert.equal(formatTime(1736344375.274814), '2025-01-08 13:52:55.274814');
  assert.equal(formatTime(-1), '');
  assert.ok(Math.abs(parseTime('2025-01-08 13:52:55.274814') - 1736344375.274814) < 1e-6);
});
