import type { Item } from '@app/items';

/** What a cache value parses to. `null` when the value is not an item (garbage, wrong shape). */
export function parseCacheEntry(raw: string): Item | null {
  let entry: unknown;
  try {
    entry = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof entry !== 'object' || entry === null) return null;
  const e = entry as Partial<Item>;
  if (typeof e.id !== 'string' || typeof e.name !== 'string' || !Number.isInteger(e.version) || !('value' in e)) {
    return null;
  }
  return e as Item;
}

/** The cache value for an item: its JSON, version included. */
export function serializeCacheEntry(item: Item): string {
  return JSON.stringify(item);
}
