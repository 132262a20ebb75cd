import { configKeys } from './config-file.js';
import { describeDefault, describeRange, type ModuleDescriptor } from './params.js';

/**
 * docs/reference.md, built from the same descriptors as the CLI, so the
 * reference cannot drift from the code (a test compares the two).
 */
export function renderReference(modules: readonly ModuleDescriptor[]): string {
  const out = [
    '# peng-ts reference: every option and counter',
    '',
    'Generated from the module descriptors by `npm run docs`; do not edit by hand.',
    'Flags take Go syntax (`-flag value`, `--flag value`, `-flag=value`); durations are Go durations (`30s`, `1m`, `1h30m`).',
    'Every option can also be set in a YAML file given with `--config FILE`: the key is the option\'s first name below without dashes',
    '(`timeFrame: 1m`, `local-net: [10.1.0.0/16]`); the command line overrides the file. See [Config file](#config-file).',
  ];
  for (const m of modules) {
    out.push('', `## ${m.name}`, '', m.help);
    if (m.params.length) {
      out.push('', '| option | type | default | unit | range | meaning |', '|---|---|---|---|---|---|');
      for (const p of m.params) {
        const names = [p.peng || /[A-Z]/.test(p.name) ? `-${p.name}` : `--${p.name}`, ...(p.aliases ?? []).map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
        const cell = (s: string) => s.replace(/\|/g, '\\|');
        out.push(`| ${names.map((n) => `\`${n}\``).join(', ')} | ${p.type} | ${cell(p.default === undefined ? '' : describeDefault(p))} | ${p.unit ?? ''} | ${cell(describeRange(p))} | ${cell(p.help)} |`);
      }
    }
    if (m.counters.length) {
      out.push('', '| counter | kind | meaning |', '|---|---|---|');
      for (const c of m.counters) out.push(`| \`${c.name}\` | ${c.kind} | ${c.help.replace(/\|/g, '\\|')} |`);
    }
    if (m.alerts?.length) {
      out.push('', '| alert id | message |', '|---|---|');
      for (const a of m.alerts) out.push(`| \`${a.id}\` | ${a.message} |`);
    }
  }
  out.push(...configSection(modules));
  return out.join('\n') + '\n';
}

/** The same options in the `--config` file form, every key with its default. */
function configSection(modules: readonly ModuleDescriptor[]): string[] {
  const keys = configKeys(modules);
  const out = [
    '',
    '## Config file',
    '',
    '`--config FILE` reads a YAML mapping of these keys, one per option, with the same types, ranges and defaults as the flags.',
    'Durations are Go durations or seconds; lists are YAML sequences or comma-separated strings; `key:` with no value is unset.',
    'An unknown key (or an alias such as `r`) stops the sensor with one line naming the file and line.',
    'Options given on the command line override the file. Example for a service: `deploy/peng-ts.yaml`.',
    '',
    '```yaml',
  ];
  for (const m of modules) {
    const ps = m.params.filter((p) => keys.has(p.name));
    if (ps.length === 0) continue;
    out.push(`# ${m.name}`);
    for (const p of ps) {
      const type = `${p.type}${p.unit ? `, ${p.unit}` : ''}${describeRange(p) ? `, ${describeRange(p)}` : ''}`;
      if (p.default === undefined || (Array.isArray(p.default) && p.default.length === 0)) out.push(`# ${p.name}:   (${type})`);
      else out.push(`${p.name}: ${yamlValue(p.type === 'duration' || Array.isArray(p.default) ? describeDefault(p) : p.default)}   # ${type}`);
    }
  }
  out.push('```');
  return out;
}

function yamlValue(v: unknown): string {
  const s = String(v);
  return /^[\w./:+-]+$/.test(s) && !/^(y|n|yes|no|on|off|null|~)$/i.test(s) ? s : JSON.stringify(s);
}
