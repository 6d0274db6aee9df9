import type { JsonValue } from '@app/items';

/** The vocabulary every capability shares: what one look at a (row, cache entry) pair can find. */
export type MismatchKind = 'stale' | 'ahead' | 'corrupt' | 'orphan';
/** consistent: cache matches the row; miss: no cache entry; absent: neither row nor entry. */
export type Outcome = 'consistent' | 'miss' | 'absent' | MismatchKind;

export function isMismatch(outcome: Outcome): outcome is MismatchKind {
  return outcome === 'stale' || outcome === 'ahead' || outcome === 'corrupt' || outcome === 'orphan';
}

/** What one look at a pair found, with both sides' versions and values. */
export interface Observation {
  outcome: Outcome;
  dbVersion: number | null;
  cacheVersion: number | null;
  dbValue: JsonValue | null;
  /** The parsed cache entry's value, or the raw text when it does not parse as an item. */
  cacheValue: JsonValue | null;
}
