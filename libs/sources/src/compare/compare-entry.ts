import type { ColumnKind } from './column-kind';
import { MAX_DIFF } from './entry-types';
import type { CachedEntry, EntryComparison, FieldDiff, KeyShape, RowText } from './entry-types';
import { fieldEquals } from './field-equal';
import { isUnreadable, toPlainJson, tryParseJson } from './json-value';
import { cachedField, columnText, kindOf, mappedFields, readEntry } from './read-entry';
import type { ReadableEntry } from './read-entry';
import { compareVersions, versionText } from './version-order';

export interface CompareInput {
  shape: KeyShape;
  kinds: Readonly<Record<string, ColumnKind>>; // every column of the table -> kind
  versionColumn?: string; // the source's version column, if declared
  row: RowText | null; // null: no row for this key
  entry: CachedEntry; // null: key absent in Redis
}

/** The cache field the shape maps to the version column, if any. */
function versionField(shape: KeyShape, versionColumn: string | undefined): string | undefined {
  if (versionColumn === undefined) return undefined;
  return mappedFields(shape).find(([, column]) => column === versionColumn)?.[0];
}

function dbDiffValue(kind: ColumnKind, text: string | null): unknown {
  if (text === null || kind !== 'json') return text;
  const parsed = tryParseJson(text);
  return isUnreadable(parsed) ? text : toPlainJson(parsed);
}

/** Shared by every comparison without differences (never mutated): a sweep compares millions. */
const NO_DIFF: FieldDiff[] = Object.freeze([]) as unknown as FieldDiff[];

/** Classifies a cache entry against the row it was built from, listing the fields that differ. */
export function compareEntry(input: CompareInput): EntryComparison {
  const { shape, kinds, versionColumn, row, entry } = input;
  const dbVersion = row && versionColumn !== undefined ? columnText(row, versionColumn) : null;
  if (entry === null) return { outcome: row ? 'miss' : 'absent', diff: NO_DIFF, dbVersion, cacheVersion: null };

  const reading = readEntry(shape.format, entry, false);
  const versionAt = versionField(shape, versionColumn);
  const cacheVersion = 'unreadable' in reading || versionAt === undefined ? null : versionText(cachedField(reading, versionAt));

  if (row === null) return { outcome: 'orphan', diff: NO_DIFF, dbVersion, cacheVersion };
  if ('unreadable' in reading) return { outcome: 'corrupt', diff: NO_DIFF, dbVersion, cacheVersion, detail: reading.unreadable };
  const readable: ReadableEntry = reading;

  let diff: FieldDiff[] | undefined;
  for (const [field, column] of mappedFields(shape)) {
    const kind = kindOf(kinds, column);
    const db = columnText(row, column);
    const cached = cachedField(readable, field);
    if (fieldEquals(kind, db, cached, shape.format)) continue;
    (diff ??= []).push({ field, cache: cached === undefined ? null : toPlainJson(cached), db: dbDiffValue(kind, db) });
    if (diff.length === MAX_DIFF) break;
  }
  if (diff === undefined) return { outcome: 'consistent', diff: NO_DIFF, dbVersion, cacheVersion };
  return { outcome: mismatchOf(kinds, versionColumn, versionAt, cacheVersion, dbVersion), diff, dbVersion, cacheVersion };
}

/**
 * Which mismatch a difference is. A readable version orders the two sides; equal versions with
 * different data mean the cache was built wrongly, and so does a key that holds the version field
 * without a readable version. Without a version to go by, the sides have diverged.
 */
function mismatchOf(
  kinds: CompareInput['kinds'],
  versionColumn: string | undefined,
  versionAt: string | undefined,
  cacheVersion: string | null,
  dbVersion: string | null,
): EntryComparison['outcome'] {
  if (versionAt === undefined || dbVersion === null) return 'diverged';
  const order = cacheVersion === null ? null : compareVersions(kindOf(kinds, versionColumn!), cacheVersion, dbVersion);
  if (order === null) return 'corrupt';
  return order < 0 ? 'stale' : order > 0 ? 'ahead' : 'corrupt';
}
