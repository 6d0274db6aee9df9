import type { JsonValue } from '@app/items';
import type { FieldDiff } from '@app/sources';

/**
 * The vocabulary every capability shares: what one look at a (row, cache entry) pair can find.
 * `diverged`: different, and no version says which side is newer (a source without a version column).
 */
export type MismatchKind = 'stale' | 'ahead' | 'corrupt' | 'diverged' | 'orphan';
/** consistent: cache matches the row; miss: no cache entry; absent: neither row nor entry. */
export type Outcome = 'consistent' | 'miss' | 'absent' | MismatchKind;

export function isMismatch(outcome: Outcome): outcome is MismatchKind {
  return outcome === 'stale' || outcome === 'ahead' || outcome === 'corrupt' || outcome === 'diverged' || outcome === 'orphan';
}

/** A row's version: the items' integer, or a declared source's version column as text. */
export type Version = number | string;

/** Orders two versions: -1 when `a` is older, 0, 1 when newer; null when they cannot be ordered. */
export type VersionOrder = (a: Version, b: Version) => -1 | 0 | 1 | null;

export const integerOrder: VersionOrder = (a, b) =>
  typeof a === 'number' && typeof b === 'number' ? (Math.sign(a - b) as -1 | 0 | 1) : null;

/** What one look at a pair found, with both sides' versions and values. */
export interface Observation {
  outcome: Outcome;
  dbVersion: Version | null;
  cacheVersion: Version | null;
  dbValue: JsonValue | null;
  /** The parsed cache entry's value, or the raw text when it does not parse. */
  cacheValue: JsonValue | null;
  /** Declared sources: the fields that differ (at most 20). */
  diff?: FieldDiff[];
  /** Declared sources: a digest of the entry as read, which tells a changed entry from the same one. */
  cacheDigest?: string;
  /** Declared sources: a digest of the row as the key projects it, which tells a row that moved. */
  dbDigest?: string;
}
