/**
 * The Elastic Common Schema fields `--alerts-format ecs` writes, with their ECS
 * types, taken from ECS 8.17.0 (github.com/elastic/ecs, tag v8.17.0,
 * generated/csv/fields.csv), and the allowed values of the categorisation
 * fields (generated/ecs/ecs_flat.yml, allowed_values). A test checks every
 * document we write against this list; fields outside ECS live under `peng_ts.`
 * (ECS: custom fields go in their own namespace).
 */
export const ECS_VERSION = '8.17.0';

export const ECS_FIELDS: Readonly<Record<string, 'date' | 'keyword' | 'ip' | 'long' | 'match_only_text'>> = {
  '@timestamp': 'date',
  message: 'match_only_text',
  tags: 'keyword',
  'ecs.version': 'keyword',
  'event.kind': 'keyword',
  'event.category': 'keyword',
  'event.type': 'keyword',
  'event.action': 'keyword',
  'event.id': 'keyword',
  'event.dataset': 'keyword',
  'event.module': 'keyword',
  'event.provider': 'keyword',
  'event.severity': 'long',
  'event.start': 'date',
  'event.end': 'date',
  'event.duration': 'long',
  'event.reason': 'keyword',
  'source.ip': 'ip',
  'source.address': 'keyword',
  'destination.ip': 'ip',
  'destination.port': 'long',
  'network.transport': 'keyword',
  'network.type': 'keyword',
  'related.ip': 'ip',
  'threat.framework': 'keyword',
  'threat.tactic.id': 'keyword',
  'threat.tactic.name': 'keyword',
  'threat.tactic.reference': 'keyword',
  'threat.technique.id': 'keyword',
  'threat.technique.name': 'keyword',
  'threat.technique.reference': 'keyword',
  'threat.technique.subtechnique.id': 'keyword',
  'threat.technique.subtechnique.name': 'keyword',
  'threat.technique.subtechnique.reference': 'keyword',
  'rule.id': 'keyword',
  'rule.name': 'keyword',
  'rule.category': 'keyword',
  'rule.description': 'keyword',
  'rule.ruleset': 'keyword',
  'observer.hostname': 'keyword',
  'observer.name': 'keyword',
  'observer.type': 'keyword',
  'observer.vendor': 'keyword',
  'observer.product': 'keyword',
  'observer.version': 'keyword',
};

/** ECS 8.17.0 allowed values (event.kind, event.category, event.type per category). */
export const ECS_EVENT_KINDS = ['alert', 'asset', 'enrichment', 'event', 'metric', 'state', 'pipeline_error', 'signal'];
export const ECS_EXPECTED_TYPES: Readonly<Record<string, readonly string[]>> = {
  network: ['access', 'allowed', 'connection', 'denied', 'end', 'info', 'protocol', 'start'],
  intrusion_detection: ['allowed', 'denied', 'info'],
};
