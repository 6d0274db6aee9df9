import { integerOrder, isMismatch, Observation, Version, VersionOrder } from '../outcome';

/** A post-write check's sample for the consistency SLI. */
export type SliResult = 'consistent' | 'inconsistent' | 'absent';

/**
 * Was the cache consistent with this write? Yes when it matches the database, and also when it holds
 * this write's version or a newer one while a later write is between its commit and its cache write:
 * writers contending for a key are not an inconsistency of the sampled write (that later write is
 * sampled by its own post-write check). No cached copy is `absent`, neither good nor bad.
 */
export function sliResult(
  o: Pick<Observation, 'outcome' | 'cacheVersion'>,
  writtenVersion?: Version,
  order: VersionOrder = integerOrder,
): SliResult {
  if (o.outcome === 'consistent') return 'consistent';
  if (!isMismatch(o.outcome)) return 'absent';
  const holdsThisWrite =
    o.outcome === 'stale' && writtenVersion !== undefined && o.cacheVersion !== null && (order(o.cacheVersion, writtenVersion) ?? -1) >= 0;
  return holdsThisWrite ? 'consistent' : 'inconsistent';
}
