import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { KeyFormat } from '../compare';
import { KeyTemplate, KeyTemplateError } from './key-template';

export const KEY_FORMATS = ['json', 'hash', 'string'] as const;
export const ON_CHANGE = ['check', 'invalidate', 'refresh'] as const;
export const HEAL = ['off', 'refresh', 'invalidate'] as const;
export const CAPTURE = ['trigger', 'none'] as const;
/** The demo's source, built in: a declaration may not take its name. */
export const BUILT_IN_SOURCE = 'items';

export type OnChange = (typeof ON_CHANGE)[number];
export type HealPolicy = (typeof HEAL)[number];
export type Capture = (typeof CAPTURE)[number];

export type KeyDeclaration =
  | {
      template: KeyTemplate;
      format: 'json' | 'hash';
      /** cache field -> column; absent: every column under its own name */ fields?: Record<string, string>;
    }
  | { template: KeyTemplate; format: 'string'; column: string };

/** One `sources:` entry of polaris.yaml, checked for shape (the registry checks it against the database). */
export interface SourceDeclaration {
  name: string;
  table: string;
  primaryKey?: string[];
  version?: string;
  onChange: OnChange;
  heal: HealPolicy;
  checkDelayMs?: number;
  capture: Capture;
  keys: KeyDeclaration[];
}

/** Every problem found in a declaration, each naming the source and the field. */
export class DeclarationError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid sources declaration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SOURCE_NAME = /^[a-z][a-z0-9_]*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const TABLE = /^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/;
const SOURCE_FIELDS = ['name', 'table', 'primaryKey', 'version', 'onChange', 'heal', 'checkDelayMs', 'capture', 'keys'];
const KEY_FIELDS = ['key', 'format', 'fields', 'column'];
const MAX_CHECK_DELAY_MS = 3_600_000;

/** Reads the declaration at `path`; a file that does not exist declares nothing. */
export function readDeclaration(path: string): SourceDeclaration[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DeclarationError(path, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseDeclaration(text, path);
}

/** Parses and checks polaris.yaml's text (YAML 1.2: `off` stays a string); throws DeclarationError listing every problem. */
export function parseDeclaration(text: string, file = 'polaris.yaml'): SourceDeclaration[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: true, lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    throw new DeclarationError(
      file,
      doc.errors.map((e) => {
        const at = e.pos ? lines.linePos(e.pos[0]) : undefined;
        return `${at ? `line ${at.line}, column ${at.col}: ` : ''}${e.message.split('\n')[0]}`;
      }),
    );
  }
  const problems: string[] = [];
  const root = doc.contents;
  if (root === null) return [];
  if (!isMap(root)) throw new DeclarationError(file, ['the file must be a mapping with a `sources:` list']);
  const top = doc.toJS({ mapAsMap: false }) as Record<string, unknown>;
  for (const k of Object.keys(top)) if (k !== 'sources') problems.push(`unknown top-level field \`${k}\` (expected \`sources\`)`);
  const list = top.sources ?? [];
  if (!Array.isArray(list)) throw new DeclarationError(file, ['`sources` must be a list']);
  const sources: SourceDeclaration[] = [];
  const names = new Map<string, number>();
  const templates = new Map<string, string>();
  (list as unknown[]).forEach((raw, i) => {
    const where = sourceLabel(raw, i);
    const check = new Problems(problems, where);
    const source = checkSource(raw, check);
    if (!source) return;
    if (names.has(source.name)) check.add('name', `is also the name of sources[${names.get(source.name)}]; names must be unique`);
    names.set(source.name, i);
    source.keys.forEach((k, j) => {
      const owner = templates.get(k.template.text);
      if (owner) check.add(`keys[${j}].key`, `"${k.template.text}" is already declared by ${owner}; a key belongs to one source`);
      templates.set(k.template.text, where);
    });
    sources.push(source);
  });
  if (problems.length) throw new DeclarationError(file, problems);
  return sources;
}

function sourceLabel(raw: unknown, i: number): string {
  const name = isRecord(raw) && typeof raw.name === 'string' && SOURCE_NAME.test(raw.name) ? ` (${raw.name})` : '';
  return `sources[${i}]${name}`;
}

/** Problems of one source, each prefixed by where it is. */
class Problems {
  count = 0;
  constructor(
    private readonly all: string[],
    private readonly where: string,
  ) {}
  add(field: string, message: string): void {
    this.count++;
    this.all.push(`${this.where}.${field}: ${message}`);
  }
}

function checkSource(raw: unknown, p: Problems): SourceDeclaration | null {
  if (!isRecord(raw)) {
    p.add('', 'must be a mapping with name, table and keys');
    return null;
  }
  const before = p.count;
  for (const k of Object.keys(raw)) if (!SOURCE_FIELDS.includes(k)) p.add(k, `unknown field (expected one of ${SOURCE_FIELDS.join(', ')})`);
  const name = raw.name;
  if (typeof name !== 'string' || !SOURCE_NAME.test(name)) p.add('name', 'must match [a-z][a-z0-9_]* (lower case, digits, underscores)');
  else if (name === BUILT_IN_SOURCE) p.add('name', `"${BUILT_IN_SOURCE}" is the built-in demo source; choose another name`);
  if (typeof raw.table !== 'string' || !TABLE.test(raw.table))
    p.add('table', 'must be a table name, optionally schema-qualified (schema.table)');
  if (raw.primaryKey !== undefined && !(Array.isArray(raw.primaryKey) && raw.primaryKey.length > 0 && raw.primaryKey.every(isIdentifier))) {
    p.add('primaryKey', 'must be a non-empty list of column names');
  } else if (Array.isArray(raw.primaryKey) && new Set(raw.primaryKey).size !== raw.primaryKey.length)
    p.add('primaryKey', 'names a column twice');
  if (raw.version !== undefined && !isIdentifier(raw.version)) p.add('version', 'must be a column name');
  const onChange = oneOf(raw.onChange, ON_CHANGE, 'check', 'onChange', p);
  const heal = oneOf(raw.heal, HEAL, 'off', 'heal', p);
  const capture = oneOf(raw.capture, CAPTURE, 'trigger', 'capture', p);
  const delay = raw.checkDelayMs;
  if (delay !== undefined && !(Number.isInteger(delay) && (delay as number) >= 0 && (delay as number) <= MAX_CHECK_DELAY_MS)) {
    p.add('checkDelayMs', `must be a whole number of milliseconds from 0 to ${MAX_CHECK_DELAY_MS}`);
  }
  const keys: KeyDeclaration[] = [];
  if (!Array.isArray(raw.keys) || raw.keys.length === 0) p.add('keys', 'must be a non-empty list of {key, format} entries');
  else
    raw.keys.forEach((k, j) => {
      const key = checkKey(k, `keys[${j}]`, p);
      if (key) keys.push(key);
    });
  if (p.count > before) return null;
  return {
    name: name as string,
    table: raw.table as string,
    ...(raw.primaryKey !== undefined ? { primaryKey: raw.primaryKey as string[] } : {}),
    ...(raw.version !== undefined ? { version: raw.version as string } : {}),
    onChange,
    heal,
    ...(delay !== undefined ? { checkDelayMs: delay as number } : {}),
    capture,
    keys,
  };
}

function checkKey(raw: unknown, at: string, p: Problems): KeyDeclaration | null {
  if (!isRecord(raw)) {
    p.add(at, 'must be a mapping with key and format');
    return null;
  }
  const before = p.count;
  for (const k of Object.keys(raw))
    if (!KEY_FIELDS.includes(k)) p.add(`${at}.${k}`, `unknown field (expected one of ${KEY_FIELDS.join(', ')})`);
  let template: KeyTemplate | undefined;
  if (typeof raw.key !== 'string') p.add(`${at}.key`, 'must be a key template such as "customer:{id}"');
  else {
    try {
      template = KeyTemplate.parse(raw.key);
    } catch (err) {
      if (!(err instanceof KeyTemplateError)) throw err;
      p.add(`${at}.key`, `"${raw.key}" ${err.message}`);
    }
  }
  const format = raw.format;
  if (!KEY_FORMATS.includes(format as KeyFormat)) {
    p.add(`${at}.format`, `must be one of ${KEY_FORMATS.join(', ')}${format === undefined ? '' : ` (got ${JSON.stringify(format)})`}`);
    return null;
  }
  if (format === 'string') {
    if (raw.fields !== undefined) p.add(`${at}.fields`, 'is for json and hash keys; a string key names its one `column`');
    if (!isIdentifier(raw.column)) p.add(`${at}.column`, 'must name the column whose text the key holds');
    return p.count > before ? null : { template: template!, format, column: raw.column as string };
  }
  if (raw.column !== undefined) p.add(`${at}.column`, 'is for string keys; json and hash keys map `fields`');
  if (raw.fields !== undefined) {
    if (!isRecord(raw.fields) || Object.keys(raw.fields).length === 0)
      p.add(`${at}.fields`, 'must be a non-empty mapping of cache field: column');
    else {
      for (const [field, column] of Object.entries(raw.fields)) {
        if (field === '' || field === '__proto__') p.add(`${at}.fields`, `${JSON.stringify(field)} cannot be a cache field name`);
        if (!isIdentifier(column)) p.add(`${at}.fields.${field}`, 'must name a column');
      }
    }
  }
  if (p.count > before) return null;
  return {
    template: template!,
    format: format as 'json' | 'hash',
    ...(raw.fields !== undefined ? { fields: { ...(raw.fields as Record<string, string>) } } : {}),
  };
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, field: string, p: Problems): T {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  p.add(field, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  return fallback;
}

function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
