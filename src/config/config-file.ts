import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node } from 'yaml';
import { SensorError } from '../errors.js';
import type { ModuleDescriptor, ParamSpec } from './params.js';

/**
 * `--config FILE`: a YAML mapping whose keys are the options' long names as
 * the CLI spells them (`timeFrame`, `local-net`, `alerts`), one to one, with
 * the same types, ranges and defaults (the values go through the same
 * coercion as the command line). Aliases are not keys: one name per option.
 * The command line overrides the file, option by option.
 */
export type ConfigValues = Map<string, unknown>;

/** The option `--config` itself, and the ones that only print and exit: not allowed in a file. */
const NOT_IN_FILE = new Set(['config', 'help-config', 'help-counts', 'version', 'interfaces']);

export function configKeys(modules: readonly ModuleDescriptor[]): Map<string, ParamSpec> {
  const keys = new Map<string, ParamSpec>();
  for (const m of modules) for (const p of m.params) if (!NOT_IN_FILE.has(p.name)) keys.set(p.name, p);
  return keys;
}

/** Read and check a config file; every problem is one line naming the file, line and key. */
export function loadConfigFile(path: string, modules: readonly ModuleDescriptor[]): ConfigValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SensorError('CFG_INVALID', `--config ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseConfigText(text, path, modules);
}

export function parseConfigText(text: string, path: string, modules: readonly ModuleDescriptor[]): ConfigValues {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  const at = (n: Node | null | undefined) => (n?.range ? `:${lines.linePos(n.range[0]).line}` : '');
  const bad = (where: string, msg: string): never => {
    throw new SensorError('CFG_INVALID', `--config ${path}${where}: ${msg}`);
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    bad(e.linePos ? `:${e.linePos[0].line}` : '', `not valid YAML (${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')})`);
  }
  const values: ConfigValues = new Map();
  const root = doc.contents;
  if (root === null) return values; // an empty file sets nothing
  if (!isMap(root)) return bad('', 'must be a mapping of option names to values (e.g. "timeFrame: 1m")');
  const keys = configKeys(modules);
  const aliasOf = new Map<string, string>();
  for (const m of modules) for (const p of m.params) for (const a of p.aliases ?? []) aliasOf.set(a, p.name);
  for (const item of root.items) {
    const keyNode = item.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const spec = keys.get(key);
    if (!spec) {
      const hint = aliasOf.has(key)
        ? `write it as "${aliasOf.get(key)}"`
        : NOT_IN_FILE.has(key)
          ? 'it is a command-line action, not a setting'
          : 'the keys are the long option names of peng-ts --help-config (see docs/reference.md)';
      bad(at(keyNode), `unknown option "${key}": ${hint}`);
    }
    const v = item.value as Node | null;
    if (v === null || (isScalar(v) && v.value === null)) continue; // `key:` with no value = not set
    if (isSeq(v)) {
      if (spec!.type !== 'list') bad(at(v), `${key} takes one value, not a list`);
      values.set(key, v.items.map((x) => (isScalar(x) ? String(x.value) : bad(at(x as Node), `${key}: list items must be plain values`))));
    } else if (isScalar(v)) values.set(key, v.value);
    else bad(at(v), `${key} must be a plain value${spec!.type === 'list' ? ' or a list' : ''}`);
  }
  return values;
}

/**
 * Where `--config` is on the command line, read before the full parse (its
 * value decides the defaults of everything else). Go syntax too: -config F, -config=F.
 */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    const m = /^--?config(?:=(.*))?$/s.exec(a);
    if (!m) continue;
    path = m[1] !== undefined ? m[1] : argv[i + 1];
    if (m[1] === undefined) i++;
  }
  return path;
}
