import type { ItemCheck } from '../queues';
import type { ItemChange } from './item-change';

export type OutOfBandPolicy = 'detect' | 'invalidate' | 'refresh';

/** What the relay does for a batch of captured changes. */
export interface ChangePlan {
  /** Cache keys to delete before checking (OUT_OF_BAND_POLICY=invalidate). */
  invalidate: string[];
  /** Items whose cache entry is rewritten from PostgreSQL before checking (OUT_OF_BAND_POLICY=refresh). */
  refresh: string[];
  checks: (ItemCheck & { delayMs?: number })[];
}

/**
 * Plans a batch: every update and delete is checked at once (an api write after
 * IMMEDIATE_CHECK_DELAY_MS) and again after the post-write delay (one immediate check per item per
 * batch; one post-write sample per change). Out-of-band changes
 * first invalidate (every key `keysOf` the change touches) or refresh the cache when the policy
 * says so. Inserts are skipped: nothing can be
 * cached for a row that did not exist.
 */
export function planChanges(
  changes: readonly ItemChange[],
  policy: OutOfBandPolicy,
  delays: { immediateMs: number; postWriteMs: number },
  keysOf: (change: ItemChange) => string[],
): ChangePlan {
  const plan: ChangePlan = { invalidate: [], refresh: [], checks: [] };
  const checkedNow = new Set<string>();
  const touched = new Set<string>();
  for (const c of changes) {
    if (c.op === 'insert') continue;
    const external = c.origin === 'external';
    if (external && policy === 'invalidate') plan.invalidate.push(...keysOf(c));
    if (external && policy === 'refresh' && !touched.has(c.itemId)) plan.refresh.push(c.itemId);
    touched.add(c.itemId);
    if (!checkedNow.has(c.itemId)) {
      checkedNow.add(c.itemId);
      // An api write's own cache write follows its commit: give it IMMEDIATE_CHECK_DELAY_MS to land.
      plan.checks.push(
        external ? { itemId: c.itemId, trigger: 'change' } : { itemId: c.itemId, trigger: 'write', delayMs: delays.immediateMs },
      );
    }
    plan.checks.push({
      itemId: c.itemId,
      trigger: external ? 'post-change' : 'post-write',
      delayMs: delays.postWriteMs,
      writtenAt: c.changedAt.getTime(),
      ...(c.newVersion !== null ? { version: c.newVersion } : {}),
    });
  }
  plan.invalidate = [...new Set(plan.invalidate)];
  return plan;
}
