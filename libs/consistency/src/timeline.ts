import type { Outcome } from './classify';
import type { ItemChange } from './item-change';

/** One moment in an inconsistency's story: a captured change, or a check's observation. */
export type TimelineEntry =
  | { at: string; type: 'change'; op: ItemChange['op']; origin: ItemChange['origin']; oldVersion: number | null; newVersion: number | null }
  | {
      at: string;
      type: 'check';
      trigger: string;
      outcome: Outcome;
      dbVersion: number | null;
      cacheVersion: number | null;
      transition?: string;
    };

export function changeEntry(c: ItemChange): TimelineEntry {
  return { at: c.changedAt.toISOString(), type: 'change', op: c.op, origin: c.origin, oldVersion: c.oldVersion, newVersion: c.newVersion };
}

/**
 * An item's trace (its relayed changes and the checks' observations) from `since`, in time order,
 * at most `max` entries: the most recent ones, those around the confirmation.
 */
export function buildTimeline(trace: readonly TimelineEntry[], since: Date, max: number): TimelineEntry[] {
  const entries = trace.filter((e) => Date.parse(e.at) >= since.getTime());
  entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return entries.slice(-max);
}
