/**
 * NetFlow state an exporter (or anyone spoofing one: it is UDP) can make us
 * keep: templates and observation domains, capped per exporter and in bytes
 * over all of them, every refusal counted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetflowDecoder } from '../../../src/capture/flows/netflow-decoder.js';
import { ip4, ipfix, ipfixTemplate, set, v9, v9Template, type Field } from './netflow-build.js';

const T0 = 1_700_000_000;
const FIELDS: Field[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 4, len: 1 },
];
const DATA = [...ip4('10.3.0.1'), ...ip4('10.3.0.2'), 6];

function decoder(o: { maxTemplates?: number; perExporter?: number; domains?: number; bytes?: number } = {}) {
  let records = 0;
  const problems: string[] = [];
  const d = new NetflowDecoder(
    {
      maxTemplates: o.maxTemplates ?? 10_000,
      maxExporters: 1024,
      maxTemplatesPerExporter: o.perExporter,
      maxDomainsPerExporter: o.domains,
      maxBytes: o.bytes,
      onProblem: (reason, make) => problems.push(`${reason}: ${make()}`),
    },
    () => records++,
  );
  return { d, problems, records: () => records };
}

/** One IPFIX message announcing `n` templates (ids from 256), 100 to a set. */
function announce(d: NetflowDecoder, exporter: string, n: number, fields = FIELDS, domain = 0): void {
  for (let first = 0; first < n; first += 100) {
    const sets = [];
    for (let i = first; i < Math.min(n, first + 100); i++) sets.push(ipfixTemplate(256 + i, fields));
    d.decode(ipfix({ exportTime: T0, domain }, [set(2, sets.flat())]), exporter, 1);
  }
}

test('one exporter announcing 30,000 templates keeps its cap; the others still get theirs', () => {
  const { d, records } = decoder({ perExporter: 512 });
  announce(d, '192.0.2.66:4739', 30_000);
  assert.equal(d.store.templateCount, 512);
  assert.equal(d.store.templatesRefused, 30_000 - 512);
  assert.equal(d.store.templatesRefusedExporter, 30_000 - 512);
  // Another exporter's template and data are taken.
  d.decode(ipfix({ exportTime: T0 }, [set(2, ipfixTemplate(256, FIELDS)), set(256, DATA)]), '192.0.2.1:4739', 1);
  assert.equal(records(), 1);
  assert.equal(d.store.templateCount, 513);
});

test('observation domains per exporter are bounded; datagrams for more are skipped and counted', () => {
  const { d, records, problems } = decoder({ domains: 8 });
  for (let id = 0; id < 1000; id++) d.decode(v9({ uptime: 1, secs: T0, sourceId: id }, [set(0, v9Template(256, FIELDS))]), '192.0.2.66:2055', 1);
  assert.equal(d.store.domainsRefused, 992);
  assert.equal(d.store.templateCount, 8);
  assert.ok(d.store.bytesKept < 8 * 1000, `${d.store.bytesKept} bytes kept`);
  assert.ok(problems.some((p) => /^domains_refused: .*--netflow-exporter-domains/.test(p)));
  // A known domain still works.
  d.decode(v9({ uptime: 1, secs: T0, sourceId: 3 }, [set(256, DATA)]), '192.0.2.66:2055', 1);
  assert.equal(records(), 1);
});

test('memory is bounded in bytes: templates of 16,000 fields stop at --netflow-memory', () => {
  const big: Field[] = [...FIELDS, ...Array.from({ length: 15_997 }, () => ({ id: 1, len: 4 }))];
  const cap = 1 << 20; // 1 MiB
  const { d } = decoder({ bytes: cap, perExporter: 65_536 });
  // Spread over exporters so no per-exporter cap is what stops them.
  for (let e = 0; e < 40; e++) announce(d, `192.0.2.${e}:4739`, 1, big);
  assert.ok(d.store.bytesKept <= cap, `${d.store.bytesKept} > ${cap}`);
  assert.ok(d.store.templatesRefusedMemory > 0);
  assert.equal(d.store.templateCount + d.store.templatesRefused, 40);
  const kept = d.store.templateCount;
  assert.ok(kept >= 10 && kept <= 16, `${kept} templates of 64 KB in 1 MiB`);
  // Small templates still fit while there is room; withdrawing frees it.
  const before = d.store.bytesKept;
  d.decode(ipfix({ exportTime: T0 }, [set(2, [...ipfixTemplate(256, FIELDS)])]), '192.0.2.0:4739', 1);
  d.decode(ipfix({ exportTime: T0 }, [set(2, [0, 2, 0, 0])]), '192.0.2.0:4739', 1); // withdraw all of this exporter's domain 0
  assert.ok(d.store.bytesKept < before);
});

test('an exporter forgotten (table full) gives its templates and bytes back', () => {
  const d = new NetflowDecoder({ maxTemplates: 10_000, maxExporters: 2 }, () => {});
  announce(d, '192.0.2.1:4739', 10);
  announce(d, '192.0.2.2:4739', 10);
  const two = d.store.bytesKept;
  announce(d, '192.0.2.3:4739', 10); // the first is forgotten
  assert.equal(d.store.templateCount, 20);
  assert.equal(d.store.bytesKept, two);
});
