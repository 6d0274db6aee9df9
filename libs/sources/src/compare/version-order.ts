import type { ColumnKind } from './column-kind';
import { compareDecimal, parseDecimal } from './decimal';
import { isJsonObject, numberText, stringifyJson } from './json-value';
import { compareInstants, readCachedInstant, readDbInstant, sameUtcInstant } from './timestamp';

/**
 * Version order of two version texts, at the precision the cache holds: -1 cache older, 0 same, 1 cache newer;
 * null when either cannot be read. Integers (and decimals) compare exactly; a timestamp may be cached as ISO text
 * or epoch milliseconds, and is the same when the database's instant truncates or rounds to it; a date compares by
 * the instant the cache shows.
 */
export function compareVersions(kind: ColumnKind, cacheText: string, dbText: string): -1 | 0 | 1 | null {
  switch (kind) {
    case 'integer':
    case 'decimal': {
      const cached = parseDecimal(cacheText);
      const db = parseDecimal(dbText);
      return cached && db ? compareDecimal(cached, db) : null;
    }
    case 'timestamp':
    case 'date': {
      if (kind === 'timestamp' && sameUtcInstant(cacheText, dbText)) return 0;
      // Version texts have lost their JSON type, so numeric text may be epoch milliseconds in any format.
      const cached = readCachedInstant(cacheText, 'string', kind === 'timestamp');
      const db = readDbInstant(dbText);
      return cached && db ? compareInstants(cached, db, kind === 'date') : null;
    }
    default:
      return null;
  }
}

/** A cached value as text for a version: strings as they are, numbers with their exact text; null when nothing is held. */
export function versionText(cached: unknown): string | null {
  if (cached === undefined || cached === null) return null;
  if (typeof cached === 'string') return cached;
  if (typeof cached === 'boolean') return String(cached);
  return numberText(cached) ?? (Array.isArray(cached) || isJsonObject(cached) ? stringifyJson(cached) : null);
}
