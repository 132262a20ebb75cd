import { SensorError } from '../errors.js';
import { formatDuration, parseDuration } from './duration.js';

/**
 * Every tunable of every module is one ParamSpec: name, type, default, range,
 * unit and help, declared once in that module's descriptor. The CLI flags,
 * their validation, `--help-config` and the README's reference all come from
 * these tables; there is no hand-written switch over option names.
 */
export type ParamType = 'int' | 'float' | 'duration' | 'string' | 'bool' | 'choice' | 'list';
export type ParamValue = number | string | boolean | string[] | undefined;

export interface ParamSpec {
  /** CLI name, kebab-case (`max-sources`) or Peng's own camelCase (`timeFrame`). */
  readonly name: string;
  readonly type: ParamType;
  /** Undefined = no default (optional). Durations in seconds. */
  readonly default?: number | string | boolean | readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** Unit shown in help: "s", "ports", "bits". */
  readonly unit?: string;
  readonly help: string;
  /** Other spellings accepted on the command line (e.g. `r` for `read`). */
  readonly aliases?: readonly string[];
  /** The value a string option takes when given bare, with no value (e.g. `--flows-listen`). */
  readonly bareValue?: string;
  /** One of Peng's own flags: shown as `-name`, the way Peng users type it. */
  readonly peng?: boolean;
  /** Hide from the short --help (still in --help-config). */
  readonly advanced?: boolean;
}

export interface CounterSpec {
  /** Full dotted name, e.g. `decode.truncated`. */
  readonly name: string;
  /** sum: running total; now: gauge read when asked; max: high-water mark. */
  readonly kind: 'sum' | 'now' | 'max';
  readonly help: string;
}

export interface AlertSpec {
  /** Stable id, e.g. `stealth.xmas`. */
  readonly id: string;
  readonly message: string;
}

/** What a module (detector, source, sink) declares about itself. */
export interface ModuleDescriptor {
  readonly name: string;
  readonly help: string;
  readonly params: readonly ParamSpec[];
  readonly counters: readonly CounterSpec[];
  readonly alerts?: readonly AlertSpec[];
}

export type ParamValues = Record<string, ParamValue>;

function fail(name: string, msg: string): never {
  throw new SensorError('CFG_OUT_OF_RANGE', `-${name}: ${msg}`);
}

/** Turn one raw CLI value into the param's type, enforcing its range. */
export function coerceParam(spec: ParamSpec, raw: unknown): ParamValue {
  if (raw === undefined || raw === null) {
    return spec.default === undefined ? undefined : (Array.isArray(spec.default) ? [...spec.default] : (spec.default as ParamValue));
  }
  const value = Array.isArray(raw) && spec.type !== 'list' ? raw[raw.length - 1] : raw;
  switch (spec.type) {
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return fail(spec.name, `expected true or false, got "${String(value)}"`);
    case 'string':
      return value === '' && spec.bareValue !== undefined ? spec.bareValue : String(value);
    case 'choice': {
      const v = String(value);
      if (!spec.choices!.includes(v)) fail(spec.name, `must be one of ${spec.choices!.join(', ')} (got "${v}")`);
      return v;
    }
    case 'list':
      return (Array.isArray(value) ? value : [value])
        .flatMap((v) => String(v).split(','))
        .map((v) => v.trim())
        .filter((v) => v.length > 0);
    case 'duration': {
      const s = parseDuration(typeof value === 'number' ? value : String(value));
      if (Number.isNaN(s)) fail(spec.name, `"${String(value)}" is not a duration (examples: 30s, 1m, 1h30m, 500ms)`);
      checkRange(spec, s, formatDuration);
      return s;
    }
    case 'int':
    case 'float': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (String(value).trim() === '' || !Number.isFinite(n)) fail(spec.name, `"${String(value)}" is not a number`);
      if (spec.type === 'int' && !Number.isInteger(n)) fail(spec.name, `must be a whole number (got ${n})`);
      checkRange(spec, n, String);
      return n;
    }
  }
}

function checkRange(spec: ParamSpec, n: number, show: (v: number) => string): void {
  const unit = spec.unit && spec.type !== 'duration' ? ` ${spec.unit}` : '';
  if (spec.min !== undefined && n < spec.min) fail(spec.name, `must be at least ${show(spec.min)}${unit} (got ${show(n)})`);
  if (spec.max !== undefined && n > spec.max) fail(spec.name, `must be at most ${show(spec.max)}${unit} (got ${show(n)})`);
}

/** Default as text for help pages. */
export function describeDefault(spec: ParamSpec): string {
  if (spec.default === undefined) return '(none)';
  if (spec.type === 'duration') return formatDuration(spec.default as number);
  if (Array.isArray(spec.default)) return spec.default.length ? spec.default.join(',') : '(none)';
  return String(spec.default);
}

/** Range as text for help pages. */
export function describeRange(spec: ParamSpec): string {
  if (spec.choices) return spec.choices.join('|');
  if (spec.min === undefined && spec.max === undefined) return '';
  const show = spec.type === 'duration' ? formatDuration : String;
  return `${spec.min !== undefined ? show(spec.min) : ''}..${spec.max !== undefined ? show(spec.max) : ''}`;
}

/** Typed readers for a module's resolved values. */
export function num(values: ParamValues, name: string): number {
  const v = values[name];
  if (typeof v !== 'number') throw new Error(`internal: param ${name} is not a number`);
  return v;
}

export function str(values: ParamValues, name: string): string | undefined {
  const v = values[name];
  return v === undefined ? undefined : String(v);
}

export function bool(values: ParamValues, name: string): boolean {
  return values[name] === true;
}

export function list(values: ParamValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : [];
}

/** Freeze a descriptor, typed where it is written (Object.freeze alone loses the literal types). */
/** One param of a descriptor by name: code outside the CLI reads its default and range here, never a copy. */
export function paramOf(m: ModuleDescriptor, name: string): ParamSpec {
  const spec = m.params.find((p) => p.name === name);
  if (!spec) throw new Error(`internal: module ${m.name} has no param ${name}`);
  return spec;
}

export function defineModule(m: ModuleDescriptor): ModuleDescriptor {
  return Object.freeze(m);
}
