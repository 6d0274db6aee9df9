import type { TimelineEntry } from '../records';

/** One captured change to `items`, as the trigger recorded it. */
export interface ItemChange {
  id: string;
  itemId: string;
  op: 'insert' | 'update' | 'delete';
  oldVersion: number | null;
  newVersion: number | null;
  oldName: string | null;
  newName: string | null;
  /** `api` when Polaris's own api made the change; anything else (psql, other services, migrations) is `external`. */
  origin: 'api' | 'external';
  changedAt: Date;
}

/** The change as an entry of its item's timeline. */
export function changeEntry(c: ItemChange): TimelineEntry {
  return { at: c.changedAt.toISOString(), type: 'change', op: c.op, origin: c.origin, oldVersion: c.oldVersion, newVersion: c.newVersion };
}
