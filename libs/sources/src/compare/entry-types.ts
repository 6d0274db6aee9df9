/** How a cache key holds a row: a JSON object, a hash, or one column's text. */
export type KeyFormat = 'json' | 'hash' | 'string';

export type KeyShape =
  | { format: 'json' | 'hash'; fields: Readonly<Record<string, string>> } // cache field -> column
  | { format: 'string'; column: string };

/** What Redis holds at a key: a string value, a hash (HGETALL result), another type, or nothing. */
export type CachedEntry =
  | { type: 'string'; value: string }
  | { type: 'hash'; value: Readonly<Record<string, string>> }
  | { type: 'other'; redisType: string }
  | null;

/** A row as selected with selectExpression: column -> canonical text, or null for SQL NULL. */
export type RowText = Readonly<Record<string, string | null>>;

/** One differing field; both sides as JSON-serialisable values (db: parsed JSON for json columns, else its text). */
export interface FieldDiff {
  field: string;
  cache: unknown;
  db: unknown;
}

export type EntryOutcome = 'consistent' | 'miss' | 'absent' | 'stale' | 'ahead' | 'corrupt' | 'diverged' | 'orphan';

export interface EntryComparison {
  outcome: EntryOutcome;
  /** At most MAX_DIFF entries, in mapping order; empty unless outcome is stale/ahead/corrupt/diverged. */
  diff: FieldDiff[];
  /** Canonical text of the version column in the row (null without version column or row). */
  dbVersion: string | null;
  /** The cache's value of the field mapped to the version column, as text (null when not held or not mapped). */
  cacheVersion: string | null;
  /** Why an entry is corrupt when it cannot be read at all: 'not JSON', 'wrong Redis type: list'… */
  detail?: string;
}

export const MAX_DIFF = 20;
