import { Item, parseCacheEntry } from '@app/items';
import { Observation, Outcome } from '../outcome';
import { jsonEqual } from './json-equal';

/** The row fields a comparison needs. */
export type ItemState = Pick<Item, 'id' | 'name' | 'value' | 'version'>;

/** Classifies one (row, cache entry) pair. A missing key is a miss, never an inconsistency. */
export function classify(row: ItemState | null, raw: string | null): Observation {
  const dbVersion = row?.version ?? null;
  const dbValue = row?.value ?? null;
  if (raw === null) {
    return { outcome: row ? 'miss' : 'absent', dbVersion, cacheVersion: null, dbValue, cacheValue: null };
  }
  const entry = parseCacheEntry(raw);
  const cacheVersion = entry?.version ?? null;
  const cacheValue = entry ? entry.value : raw;
  const observed = (outcome: Outcome): Observation => ({ outcome, dbVersion, cacheVersion, dbValue, cacheValue });

  if (!row) return observed('orphan');
  if (!entry || entry.id !== row.id) return observed('corrupt');
  if (entry.version < row.version) return observed('stale');
  if (entry.version > row.version) return observed('ahead');
  return observed(entry.name === row.name && jsonEqual(entry.value, row.value) ? 'consistent' : 'corrupt');
}

/** classify, for one entry among many: a failure comes back as an Error, never thrown, so the rest of a batch proceeds. */
export function classifyOrError(row: ItemState | null, raw: string | null): Observation | Error {
  try {
    return classify(row, raw);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
