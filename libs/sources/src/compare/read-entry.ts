import type { ColumnKind } from './column-kind';
import type { CachedEntry, KeyFormat, KeyShape, RowText } from './entry-types';
import { isJsonObject, JsonTooDeepError, parseCachedJson } from './json-value';

/** A readable entry: the fields of a JSON object or hash, or a string value. */
export type ReadableEntry = { fields: Readonly<Record<string, unknown>> } | { text: string };
export type EntryReading = ReadableEntry | { unreadable: string };

function wrongType(entry: NonNullable<CachedEntry>): { unreadable: string } {
  return { unreadable: `wrong Redis type: ${entry.type === 'other' ? entry.redisType : entry.type}` };
}

/**
 * Reads an entry the way its key's format says it is held, or says why it cannot. `exact` keeps every
 * JSON number's spelling (rendering needs it; comparing needs only values).
 */
export function readEntry(format: KeyFormat, entry: NonNullable<CachedEntry>, exact = true): EntryReading {
  if (format === 'hash') return entry.type === 'hash' ? { fields: entry.value } : wrongType(entry);
  if (entry.type !== 'string') return wrongType(entry);
  if (format === 'string') return { text: entry.value };
  let parsed: unknown;
  try {
    parsed = parseCachedJson(entry.value, exact);
  } catch (err) {
    return { unreadable: err instanceof JsonTooDeepError ? 'JSON nested too deeply' : 'not JSON' };
  }
  return isJsonObject(parsed) ? { fields: parsed } : { unreadable: 'not a JSON object' };
}

/** A readable entry's value for one mapped field (undefined when not held); a string entry is its one value. */
export function cachedField(entry: ReadableEntry, field: string): unknown {
  if ('text' in entry) return entry.text;
  return Object.hasOwn(entry.fields, field) ? entry.fields[field] : undefined;
}

const mapped = new WeakMap<KeyShape, readonly [field: string, column: string][]>();

/** The (cache field, column) pairs a shape maps, in mapping order; a string key's field is its column's name. Worked out once per shape. */
export function mappedFields(shape: KeyShape): readonly [field: string, column: string][] {
  let pairs = mapped.get(shape);
  if (!pairs) {
    pairs =
      shape.format === 'string'
        ? [[shape.column, shape.column]]
        : Object.keys(shape.fields).map((field): [string, string] => [field, shape.fields[field]]);
    mapped.set(shape, pairs);
  }
  return pairs;
}

/** A column's text in a row; a column the row lacks reads as NULL. */
export function columnText(row: RowText, column: string): string | null {
  return Object.hasOwn(row, column) ? (row[column] ?? null) : null;
}

/** A column's kind; a column the table does not list is compared as text. */
export function kindOf(kinds: Readonly<Record<string, ColumnKind>>, column: string): ColumnKind {
  return Object.hasOwn(kinds, column) ? kinds[column] : 'text';
}
