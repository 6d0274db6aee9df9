export type FailureMode = 'none' | 'delay' | 'skip' | 'blip';

/** What happens to the cache after an update, under a failure mode. Pure, so it can be tested exhaustively. */
export type CacheWritePlan =
  | { kind: 'write' }
  | { kind: 'skip' }
  | { kind: 'write-then-stale'; staleAfterMs: number }
  | { kind: 'write-stale-then-repair'; repairAfterMs: number };

export function planCacheWrite(
  failure: { mode: FailureMode; delayMs: number; rate: number },
  gracePeriodMs: number,
  random: number,
): CacheWritePlan {
  if (failure.mode === 'none' || random >= failure.rate) return { kind: 'write' };
  switch (failure.mode) {
    case 'skip':
      return { kind: 'skip' };
    case 'delay':
      return { kind: 'write-then-stale', staleAfterMs: failure.delayMs };
    case 'blip':
      // Repaired at a quarter of the grace period: well inside it, so it must never be confirmed.
      return { kind: 'write-stale-then-repair', repairAfterMs: Math.floor(gracePeriodMs / 4) };
  }
}
