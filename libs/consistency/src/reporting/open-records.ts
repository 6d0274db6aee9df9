import type { OpenRecords } from '../records';

/** The gauges of open records: counts by source, kind and status, and the oldest record's age by source and status. */
export interface OpenRecordGauges {
  counts: { source: string; kind: string; status: string; count: number }[];
  oldest: { source: string; status: string; seconds: number }[];
}

/** Figures for `polaris_inconsistencies_active` and `polaris_inconsistencies_oldest_seconds` at `now` (ms). */
export function openRecordGauges(open: readonly OpenRecords[], now: number): OpenRecordGauges {
  const oldest = new Map<string, { source: string; status: string; seconds: number }>();
  for (const { source, status, oldestDetectedAt } of open) {
    const seconds = Math.max(0, (now - oldestDetectedAt.getTime()) / 1000);
    const key = JSON.stringify([source, status]);
    if (seconds > (oldest.get(key)?.seconds ?? -1)) oldest.set(key, { source, status, seconds });
  }
  return {
    counts: open.map(({ source, kind, status, count }) => ({ source, kind, status, count })),
    oldest: [...oldest.values()],
  };
}
