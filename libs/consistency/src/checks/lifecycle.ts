import { integerOrder, isMismatch, MismatchKind, Observation, Outcome, Version, VersionOrder } from '../outcome';
import type { OpenStatus, Resolution } from '../records';

/** What Polaris already knows about a key when it observes it. */
export interface KnownState {
  /** The open (unresolved) record for the key, if any. */
  open: { status: OpenStatus } | null;
  /** Whether a confirmation is pending (the grace period is running). */
  pending: boolean;
}

/**
 * The lifecycle effects a decision asks for. The service carries them out and logs each
 * transition once:
 *  - detect:  start the grace period (DETECTED) with one confirmation at detection + grace
 *  - clear:   the pending mismatch went away (CLEARED)
 *  - confirm: write the record (CONFIRMED)
 *  - touch:   count++ and last_seen_at; confirmed becomes persistent (PERSISTENT, logged once)
 *  - resolve: close the open record (RESOLVED)
 *  - recheck: the mismatch moved during the grace period; look again shortly, in the same detection
 */
export type Effect =
  | { type: 'detect' }
  | { type: 'clear' }
  | { type: 'confirm' }
  | { type: 'touch' }
  | { type: 'resolve'; resolution: Resolution }
  | { type: 'recheck' };

function consistentEffects(outcome: Outcome, state: KnownState): Effect[] {
  const effects: Effect[] = [];
  if (state.pending) effects.push({ type: 'clear' });
  if (state.open) effects.push({ type: 'resolve', resolution: outcome === 'absent' ? 'item_deleted' : 'self_healed' });
  return effects;
}

/** A check observed `outcome`. A pending mismatch stays silent until its confirmation runs. */
export function decideOnCheck(outcome: Outcome, state: KnownState): Effect[] {
  if (!isMismatch(outcome)) return consistentEffects(outcome, state);
  if (state.open) return [{ type: 'touch' }];
  if (state.pending) return [];
  return [{ type: 'detect' }];
}

/** What a detection saw, kept with its pending confirmation. */
export interface Detected {
  kind: MismatchKind;
  cacheVersion: Version | null;
  dbVersion: Version | null;
  cacheDigest?: string;
  dbDigest?: string;
}

/** What a detection keeps of a mismatch it observed: its kind, both versions and, where known, both digests. */
export function detectedOf(o: Observation): Detected {
  return {
    kind: o.outcome as MismatchKind,
    cacheVersion: o.cacheVersion,
    dbVersion: o.dbVersion,
    ...(o.cacheDigest !== undefined ? { cacheDigest: o.cacheDigest } : {}),
    ...(o.dbDigest !== undefined ? { dbDigest: o.dbDigest } : {}),
  };
}

/**
 * Whether a mismatch seen at confirmation is still the divergence that was detected. An item written
 * continuously is, at any instant, often between a commit and its cache write; a mismatch seen then
 * is a new, in-flight one. A stale entry healed once the cache reached the version the database had
 * at detection; any other kind healed once the entry changed. Repeated stale overwrites that keep
 * the cache below that version are the same divergence. Where the entry's digest is known (declared
 * sources), "the entry changed" is told by it, so a source without versions is covered too.
 */
export function sameDivergence(
  detected: Detected,
  now: Pick<Observation, 'cacheVersion' | 'cacheDigest'>,
  order: VersionOrder = integerOrder,
): boolean {
  if (detected.kind === 'stale') {
    if (now.cacheVersion === null || detected.dbVersion === null) return true;
    const o = order(now.cacheVersion, detected.dbVersion);
    return o === null || o < 0;
  }
  if (detected.cacheDigest !== undefined && now.cacheDigest !== undefined) return now.cacheDigest === detected.cacheDigest;
  return now.cacheVersion === detected.cacheVersion;
}

/**
 * Whether a mismatch seen by a recheck (a look a check delay after the previous one, see
 * decideOnConfirm) is the one that look saw, and so not a write in flight: the row has not moved
 * since, or the cache is still behind the version the row had then. An application writes its cache
 * within its check delay after its commit, so neither can be explained by a write still to land.
 */
export function stillDivergent(
  previous: Detected,
  now: Pick<Observation, 'cacheVersion' | 'dbDigest'>,
  order: VersionOrder = integerOrder,
): boolean {
  if (previous.dbDigest !== undefined && now.dbDigest === previous.dbDigest) return true;
  if (previous.kind !== 'stale' || previous.dbVersion === null || now.cacheVersion === null) return false;
  return order(now.cacheVersion, previous.dbVersion) === -1;
}

/**
 * The confirmation owning the pending state observed `outcome` after the grace period.
 * (`state.pending` is the confirmation itself, so a consistent outcome clears it.) A mismatch that
 * is not the detected divergence (see sameDivergence) is not confirmed: it may be a write in flight.
 * Without `recheck` the detection is cleared and a new grace period starts. With it (declared
 * sources), the same detection looks again after the short delay an application's own cache write
 * needs: a cache still behind what the database held at this look is not in flight, and is confirmed
 * as the divergence first detected, instead of escaping through a new grace period (a stale fill
 * repeated within one grace period).
 */
export function decideOnConfirm(outcome: Outcome, open: KnownState['open'], same: boolean, recheck = false): Effect[] {
  if (!isMismatch(outcome)) return consistentEffects(outcome, { open, pending: true });
  if (open) return [{ type: 'touch' }];
  if (same) return [{ type: 'confirm' }];
  return recheck ? [{ type: 'recheck' }] : [{ type: 'clear' }, { type: 'detect' }];
}
