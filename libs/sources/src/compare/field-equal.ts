import type { ColumnKind } from './column-kind';
import { decimalEquals, SPECIAL_NUMBERS } from './decimal';
import type { KeyFormat } from './entry-types';
import { isUnreadable, jsonEquals, numberText, tryParseJson } from './json-value';
import { compareInstants, readCachedInstant, readDbInstant, sameUtcInstant } from './timestamp';

/**
 * One field: does the cached value equal the column's canonical text? `cached` is undefined when absent; in the
 * json format it is a value from parseCachedJson (any JSON value), in hash and string formats a string.
 */
export function fieldEquals(kind: ColumnKind, db: string | null, cached: unknown, format: KeyFormat): boolean {
  const cacheHoldsNothing = cached === undefined || cached === null;
  if (db === null) return cacheHoldsNothing;
  if (cacheHoldsNothing) {
    // A json column can hold JSON null (not SQL NULL), which a cached JSON null shows.
    return kind === 'json' && cached === null && format === 'json' && jsonEquals(tryParseJson(db), null);
  }
  switch (kind) {
    case 'integer':
    case 'decimal':
      return numberEquals(db, cached);
    case 'timestamp':
    case 'date':
      return instantEquals(kind, db, cached, format);
    case 'boolean':
      return booleanEquals(db, cached, format);
    case 'json':
      return jsonFieldEquals(db, cached, format);
    case 'text':
      return cached === db;
  }
}

/** Exact decimals, held as a JSON number or as numeric text; 'NaN' and the infinities only as the same text. */
function numberEquals(db: string, cached: unknown): boolean {
  if (SPECIAL_NUMBERS.has(db)) return cached === db;
  const text = typeof cached === 'string' ? cached : numberText(cached);
  return text === db || (text !== null && decimalEquals(db, text));
}

/** The same instant at the cache's precision; a date only at midnight UTC of its day. */
function instantEquals(kind: 'timestamp' | 'date', db: string, cached: unknown, format: KeyFormat): boolean {
  if (typeof cached === 'string' && sameUtcInstant(cached, db)) return true;
  const dbInstant = readDbInstant(db);
  // Text that to_json would never give: only the identical text matches.
  if (dbInstant === null) return cached === db;
  const cachedInstant = readCachedInstant(cached, format, kind === 'timestamp');
  return cachedInstant !== null && compareInstants(cachedInstant, dbInstant, kind === 'date') === 0;
}

function booleanEquals(db: string, cached: unknown, format: KeyFormat): boolean {
  if (db !== 'true' && db !== 'false') return cached === db;
  const value = db === 'true';
  if (format === 'json') return cached === value;
  return value ? cached === 'true' || cached === '1' : cached === 'false' || cached === '0';
}

/** Deep equality with the cached JSON value itself, or with the JSON text the cache holds as a string. */
function jsonFieldEquals(db: string, cached: unknown, format: KeyFormat): boolean {
  // Values, not spellings, are compared: the native parser's fast path serves (see parseCachedJson).
  const dbValue = tryParseJson(db, false);
  // Too deep for the parser: only the identical text matches.
  if (isUnreadable(dbValue)) return cached === db;
  if (format === 'json' && jsonEquals(dbValue, cached)) return true;
  if (typeof cached !== 'string') return false;
  const cachedValue = tryParseJson(cached, false);
  return !isUnreadable(cachedValue) && jsonEquals(dbValue, cachedValue);
}
