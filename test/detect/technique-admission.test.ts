/**
 * Admission for technique probes (src/detect/scan/technique-admission.ts,
 * issue 9): a source whose one packet is an ICMP request, an SCTP INIT or an
 * odd IP protocol gets no SourceState; a second probe of any kind, or an
 * answer to that first probe, gives it one with the first probe replayed in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Harness, icmp, ipOnly, sctp, SYN, tcp, unreachable } from './helpers/views.js';

/** A spoofed-looking address per i: 1.x.y.z, never local or special. */
const spoofed = (i: number) => `1.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

test('a spoofed flood of one-packet ICMP echo, SCTP INIT and IP-protocol senders creates no source state', () => {
  const h = new Harness();
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const t = 1000 + i * 0.001;
    const src = spoofed(i + 1);
    const dst = `10.0.1.${(i % 64) + 1}`;
    if (i % 3 === 0) h.feed(icmp({ ts: t, src, dst, type: 8, payload: 16 }));
    else if (i % 3 === 1) h.feed(sctp({ ts: t, src, dst, dport: 80, chunk: 1 }));
    else h.feed(ipOnly({ ts: t, src, dst, proto: 47 }));
  }
  h.flush(1010);
  assert.deepEqual(h.events, []);
  assert.equal(h.counter('scan.sources_max'), 0, 'no SourceState for one-packet senders');
  assert.equal(h.counter('scan.admission_technique'), n);
  assert.equal(h.counter('discovery.pings'), n / 3);
  assert.equal(h.counter('discovery.sctp_probes'), n / 3);
  assert.equal(h.counter('discovery.proto_probes'), n / 3);
});

test('a ping, then a SYN sweep from the same source: the ping is replayed into its state (one more target)', () => {
  const h = new Harness();
  const src = '10.0.0.5';
  h.feed(icmp({ ts: 1000, src, dst: '10.0.2.200', type: 8 }));
  assert.equal(h.counter('scan.sources_max'), 0);
  for (let i = 1; i <= 30; i++) h.feed(tcp({ ts: 1000 + i * 0.01, src, dst: `10.0.2.${i}`, dport: 80, flags: SYN }));
  h.flush(1100);
  assert.equal(h.counter('scan.sources_max'), 1);
  const end = h.of(src, 'end')[0];
  assert.ok(end, JSON.stringify(h.events));
  assert.equal(end.targets, 31, 'the pinged host counts as a target');
});

test('a refused first protocol probe is evidence: the prober gets its state and the failure', () => {
  const h = new Harness();
  const src = '10.0.0.6';
  const victim = '10.0.2.9';
  h.feed(ipOnly({ ts: 1000, src, dst: victim, proto: 99 }));
  assert.equal(h.counter('scan.sources_max'), 0);
  h.feed(unreachable({ ts: 1000.001, from: victim, to: src, probeSrc: src, probeDst: victim, probeDport: 0, probeProto: 99, code: 2 }));
  assert.equal(h.counter('scan.sources_max'), 1, 'admitted at the refusal');
  for (let p = 100; p < 106; p++) h.feed(ipOnly({ ts: 1000.01 + p * 0.001, src, dst: victim, proto: p }));
  h.flush(1100);
  const end = h.of(src, 'end')[0];
  assert.ok(end, JSON.stringify(h.events));
  assert.deepEqual(end.technique, ['ipproto']);
  assert.equal(end.failures, 1);
});
