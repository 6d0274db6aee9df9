import type { Outcome, Version } from '../outcome';

/** One moment in an inconsistency's story: a captured change, or a check's observation. */
export type TimelineEntry =
  | {
      at: string;
      type: 'change';
      op: 'insert' | 'update' | 'delete';
      /** Items: who made the change; declared sources' changes are all the application's. */
      origin?: 'api' | 'external';
      oldVersion: Version | null;
      newVersion: Version | null;
    }
  | {
      at: string;
      type: 'check';
      trigger: string;
      outcome: Outcome;
      dbVersion: Version | null;
      cacheVersion: Version | null;
      transition?: string;
    };

/**
 * An item's trace (its relayed changes and the checks' observations) from `since`, in time order,
 * at most `max` entries: the most recent ones, those around the confirmation.
 */
export function buildTimeline(trace: readonly TimelineEntry[], since: Date, max: number): TimelineEntry[] {
  const entries = trace.filter((e) => Date.parse(e.at) >= since.getTime());
  entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return entries.slice(-max);
}
