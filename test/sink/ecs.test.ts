/**
 * `--alerts-format ecs`: every document the real CLI writes is checked against
 * the ECS 8.17.0 field list shipped in src/sink/ecs-fields.ts (names, types,
 * allowed values of the categorisation fields); anything else must sit under
 * the custom `peng_ts.` namespace. Records of kinds added later must still
 * give valid documents.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ecsDocument } from '../../src/sink/ecs.js';
import { ECS_EVENT_KINDS, ECS_EXPECTED_TYPES, ECS_FIELDS, ECS_VERSION } from '../../src/sink/ecs-fields.js';
import { runCli, SAMPLE } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'peng-ecs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Doc = Record<string, unknown>;

/** Dotted leaf paths (arrays are values, as in Elasticsearch). */
function flatten(o: Doc, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Doc, key, out);
    else out[key] = v;
  }
  return out;
}

/** Problems of one document against ECS (empty = valid). */
function ecsProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const flat = flatten(doc);
  for (const [k, v] of Object.entries(flat)) {
    if (k.startsWith('peng_ts.')) continue;
    const type = ECS_FIELDS[k];
    if (!type) {
      problems.push(`${k} is not an ECS ${ECS_VERSION} field`);
      continue;
    }
    for (const x of Array.isArray(v) ? v : [v]) {
      if (type === 'ip' && isIP(String(x)) === 0) problems.push(`${k}: ${String(x)} is not an IP`);
      if (type === 'long' && !Number.isInteger(x)) problems.push(`${k}: ${String(x)} is not a long`);
      if (type === 'date' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(String(x))) problems.push(`${k}: ${String(x)} is not an ISO date`);
      if ((type === 'keyword' || type === 'match_only_text') && typeof x !== 'string') problems.push(`${k}: ${String(x)} is not a string`);
    }
  }
  const kind = flat['event.kind'];
  if (!ECS_EVENT_KINDS.includes(String(kind))) problems.push(`event.kind ${String(kind)} not allowed`);
  const cats = (flat['event.category'] as string[] | undefined) ?? [];
  for (const c of cats) if (!ECS_EXPECTED_TYPES[c]) problems.push(`event.category ${c} not used here`);
  for (const t of (flat['event.type'] as string[] | undefined) ?? []) {
    if (!cats.some((c) => ECS_EXPECTED_TYPES[c]?.includes(t))) problems.push(`event.type ${t} is expected by none of ${cats.join(', ')}`);
  }
  for (const req of ['@timestamp', 'ecs.version', 'event.kind', 'event.category', 'event.type', 'observer.hostname']) if (!(req in flat)) problems.push(`${req} missing`);
  return problems;
}

test('the CLI writes ECS documents: valid field names and types, ATT&CK T1046 and T1595.001', () => {
  const alerts = join(dir, 'ecs.jsonl');
  const peng = join(dir, 'peng.jsonl');
  const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/16', '--alerts', alerts, '--alerts-format', 'ecs', '--sensor-name', 'lab-1', '-verbose', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/16', '--alerts', peng, '-verbose', '0']).code, 0);
  const docs = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Doc);
  const records = readFileSync(peng, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Doc);
  assert.equal(docs.length, 2);
  for (const [i, d] of docs.entries()) {
    assert.deepEqual(ecsProblems(d), []);
    const f = flatten(d);
    assert.equal(f['ecs.version'], '8.17.0');
    assert.equal(f['event.kind'], 'alert');
    assert.deepEqual(f['event.category'], ['network', 'intrusion_detection']);
    assert.equal(f['source.ip'], '10.99.0.1');
    assert.deepEqual(f['destination.ip'], ['10.99.0.2']);
    assert.ok((f['destination.port'] as number[]).includes(443));
    assert.deepEqual(f['network.transport'], ['tcp']);
    assert.equal(f['threat.framework'], 'MITRE ATT&CK');
    assert.ok((f['threat.technique.id'] as string[]).includes('T1046'));
    assert.deepEqual(f['threat.technique.subtechnique.id'], ['T1595.001']);
    assert.equal(f['rule.name'], 'syn vertical port scan');
    assert.equal(f['observer.hostname'], hostname());
    assert.equal(f['observer.name'], 'lab-1');
    assert.ok(String(f['event.start']) <= String(f['event.end']));
    // The peng-ts record rides along unchanged (one schema, two projections).
    const { ts, ...rest } = records[i];
    assert.deepEqual((d.peng_ts as Doc).scan, rest);
    assert.equal(f['@timestamp'], ts);
  }
  assert.deepEqual(docs.map((d) => flatten(d)['event.type']), [['info', 'start'], ['info', 'end']]);
});

test('the check catches non-ECS fields and bad values', () => {
  const good = ecsDocument({ kind: 'entropy', ts: 1, scanner: '10.0.0.1', value: 1.5 } as never, { hostname: 'h', name: 'n', version: '0' })!;
  assert.deepEqual(ecsProblems(good), [], 'a kind added later is still a valid document');
  assert.deepEqual(flatten(good)['peng_ts.entropy.value'], 1.5);
  assert.match(ecsProblems({ ...good, src_ip: '1.2.3.4' }).join(), /src_ip is not an ECS/);
  assert.match(ecsProblems({ ...good, source: { ip: 'scanner-7' } }).join(), /source\.ip: scanner-7 is not an IP/);
  assert.match(ecsProblems({ ...good, event: { kind: 'alarm', category: ['network'], type: ['installation'] } }).join(), /event\.kind alarm.*event\.type installation/);
  assert.equal(ecsDocument({ kind: 'frame' } as never, { hostname: 'h', name: 'n', version: '0' }), null);
});
