import yargs from 'yargs';
import { SensorError } from '../errors.js';
import { configPathFromArgv, loadConfigFile, type ConfigValues } from './config-file.js';
import { coerceParam, describeDefault, describeRange, type ModuleDescriptor, type ParamSpec, type ParamValues } from './params.js';

/**
 * Go's flag package takes `-flag value`, `--flag value` and `-flag=value`
 * alike; yargs reads `-abc` as three short flags. So a single-dash word of two
 * or more letters becomes a long option before yargs sees it. `-` (stdin) and
 * negative numbers are values and stay as they are; so does everything after `--`.
 */
export function normalizeGoFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  let rest = false;
  for (const a of argv) {
    if (rest || a === '--') {
      rest = true;
      out.push(a);
    } else if (/^-[A-Za-z][A-Za-z0-9_-]+(=.*)?$/s.test(a)) out.push(`-${a}`);
    else out.push(a);
  }
  return out;
}

function allParams(modules: readonly ModuleDescriptor[]): ParamSpec[] {
  const seen = new Map<string, string>();
  const out: ParamSpec[] = [];
  for (const m of modules) {
    for (const p of m.params) {
      for (const n of [p.name, ...(p.aliases ?? [])]) {
        const owner = seen.get(n);
        if (owner) throw new Error(`internal: option ${n} declared by both ${owner} and ${m.name}`);
        seen.set(n, m.name);
      }
      out.push(p);
    }
  }
  return out;
}

/**
 * Parse the command line against every module's params; values are typed and
 * range-checked. With `--config FILE` (when a module declares `config`), the
 * file's values stand where the command line gives none.
 */
export function parseCli(argv: readonly string[], modules: readonly ModuleDescriptor[], file?: ConfigValues): ParamValues {
  const specs = allParams(modules);
  const cfgPath = specs.some((p) => p.name === 'config') ? configPathFromArgv(argv) : undefined;
  const fromFile = file ?? (cfgPath !== undefined ? loadConfigFile(cfgPath, modules) : new Map<string, unknown>());
  let y = yargs(normalizeGoFlags(argv))
    .parserConfiguration({ 'duplicate-arguments-array': true, 'strip-aliased': true, 'greedy-arrays': false })
    .help(false)
    .version(false)
    .strict()
    .exitProcess(false)
    .fail((msg: string | null, err: Error | undefined) => {
      let text = msg ?? err?.message ?? 'bad arguments';
      const unknown = /^Unknown arguments?: (.*)$/.exec(text);
      if (unknown) {
        const name = unknown[1].split(', ')[0];
        text = argv.includes(name)
          ? `unexpected argument "${name}" (options start with -)`
          : `unknown option -${name}`;
      }
      throw new SensorError('CFG_INVALID', `${text} (see peng-ts --help)`);
    });
  for (const p of specs) {
    y = y.option(p.name, {
      type: p.type === 'bool' ? 'boolean' : 'string',
      alias: p.aliases ? [...p.aliases] : undefined,
      requiresArg: p.type !== 'bool' && p.bareValue === undefined,
    });
  }
  const parsed = y.parseSync() as Record<string, unknown>;
  const values: ParamValues = {};
  for (const p of specs) {
    if (parsed[p.name] !== undefined || !fromFile.has(p.name)) values[p.name] = coerceParam(p, parsed[p.name]);
    else {
      try {
        values[p.name] = coerceParam(p, fromFile.get(p.name));
      } catch (e) {
        if (e instanceof SensorError) throw new SensorError(e.code, `--config ${cfgPath ?? 'file'}: ${e.message.replace(/^-/, '')}`);
        throw e;
      }
    }
  }
  return values;
}

function flagNames(p: ParamSpec): string {
  const names = [p.name, ...(p.aliases ?? [])].map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
  // Peng's flags are shown the way Peng users type them.
  if (p.peng || /[A-Z]/.test(p.name)) names[0] = `-${p.name}`;
  const arg = p.type === 'bool' ? '' : p.type === 'duration' ? ' <duration>' : p.type === 'list' ? ' <a,b,...>' : ` <${p.type === 'choice' ? p.choices!.join('|') : p.type}>`;
  return names.join(', ') + arg;
}

function paramLine(p: ParamSpec): string {
  const facts: string[] = [];
  if (p.default !== undefined && (p.type !== 'bool' || p.default === true)) facts.push(`default: ${describeDefault(p)}`);
  if (p.unit) facts.push(`unit: ${p.unit}`);
  const range = describeRange(p);
  if (range && p.type !== 'choice') facts.push(`range: ${range}`);
  return `  ${flagNames(p)}\n      ${p.help}${facts.length ? ` (${facts.join('; ')})` : ''}`;
}

/** --help: every option, grouped by module, with default, unit and range. */
export function renderHelp(modules: readonly ModuleDescriptor[], all = false): string {
  const lines = [
    'peng-ts: port-scan detection sensor (Peng entropy + scan attribution)',
    '',
    'Usage:',
    '  sudo peng-ts -network eth0 -timeFrame 1m            live capture',
    '  peng-ts -r capture.pcap --local-net 10.1.0.0/16     replay a pcap/pcapng file',
    '  tcpdump -w - | peng-ts -r - --local-net 10.0.0.0/8  replay from standard input',
    '',
    'Flags take Go syntax as Peng does: -flag value, --flag value, -flag=value.',
  ];
  for (const m of modules) {
    const params = m.params.filter((p) => all || !p.advanced);
    if (params.length === 0) continue;
    lines.push('', `${m.name}: ${m.help}`);
    for (const p of params) lines.push(paramLine(p));
  }
  if (!all) lines.push('', 'More options: --help-config. Counters: --help-counts.');
  return lines.join('\n');
}

/** --help-counts: every counter with its kind and meaning. */
export function renderCounters(modules: readonly ModuleDescriptor[]): string {
  const lines = ['Counters (sum: running total; now: current value; max: high-water mark)'];
  for (const m of modules) {
    if (m.counters.length === 0) continue;
    lines.push('', `${m.name}:`);
    for (const c of m.counters) lines.push(`  ${c.name} [${c.kind}]\n      ${c.help}`);
  }
  return lines.join('\n');
}
