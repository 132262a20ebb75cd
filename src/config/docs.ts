import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ALL_MODULES } from './modules.js';
import { describeDefault, describeRange, type ModuleDescriptor } from './params.js';

/**
 * docs/reference.md, built from the same descriptors as the CLI, so the
 * reference cannot drift from the code (a test compares the two).
 */
export function renderReference(modules: readonly ModuleDescriptor[] = ALL_MODULES): string {
  const out = [
    '# peng-ts reference: every option and counter',
    '',
    'Generated from the module descriptors by `npm run docs`; do not edit by hand.',
    'Flags take Go syntax (`-flag value`, `--flag value`, `-flag=value`); durations are Go durations (`30s`, `1m`, `1h30m`).',
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
  return out.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(process.argv[2] ?? 'docs/reference.md', renderReference());
}
