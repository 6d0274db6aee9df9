import { Inject, Injectable } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { redisConfig, RedisConfig } from '@app/config';
import type { Item } from './item';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  if (typeof e.id !== 'string' || typeof e.name !== 'string' || !Number.isInteger(e.version) || !Object.hasOwn(e, 'value')) {
    return null;
  }
  return e as Item;
}

/** The cache value for an item: its JSON, version included. */
export function serializeCacheEntry(item: Item): string {
  return JSON.stringify(item);
}

/**
 * Items in the cache: key `${CACHE_KEY_PREFIX}${id}` (derived here and nowhere else), value the
 * item's JSON with its version, written through the cache's compare-and-set.
 */
@Injectable()
export class ItemCache {
  constructor(
    private readonly cache: CacheService,
    @Inject(redisConfig.KEY) private readonly cfg: RedisConfig,
  ) {}

  keyFor(id: string): string {
    return this.cfg.keyPrefix + id;
  }

  /**
   * Every cache key a change to an item touches, from the row before and after. Items have one cached
   * view today; a second view keyed by a row field (e.g. `item:name:{name}`) adds its keys here, from
   * both the old and the new name, so a rename invalidates the old name's entry too.
   */
  keysTouchedBy(change: { itemId: string; oldName: string | null; newName: string | null }): string[] {
    return [this.keyFor(change.itemId)];
  }

  /** The item id a cache key belongs to, or null for keys that are not item entries. */
  idFromKey(key: string): string | null {
    if (!key.startsWith(this.cfg.keyPrefix)) return null;
    const id = key.slice(this.cfg.keyPrefix.length);
    return UUID.test(id) ? id.toLowerCase() : null;
  }

  /** The raw entries of many items, in order (null where none is cached). */
  getRaw(ids: readonly string[]): Promise<(string | null)[]> {
    return this.cache.getMany(ids.map((id) => this.keyFor(id)));
  }

  /** The cached item, or null on a miss or an entry that is not an item. */
  async read(id: string): Promise<Item | null> {
    const raw = await this.cache.get(this.keyFor(id));
    return raw === null ? null : parseCacheEntry(raw);
  }

  /** Writes through the compare-and-set; false when a newer version is already cached. */
  write(item: Item): Promise<boolean> {
    return this.cache.writeIfNotOlder(this.keyFor(item.id), item.version, serializeCacheEntry(item));
  }

  /** The entry as it is, raw (failure injection keeps it to write back later). */
  getOne(id: string): Promise<string | null> {
    return this.cache.get(this.keyFor(id));
  }

  overwriteUnsafely(id: string, raw: string): Promise<void> {
    return this.cache.overwriteUnsafely(this.keyFor(id), raw);
  }

  delete(id: string): Promise<void> {
    return this.cache.delete([this.keyFor(id)]);
  }

  /** Deletes keys as given (every key changes touched, see keysTouchedBy). */
  deleteKeys(keys: readonly string[]): Promise<void> {
    return this.cache.delete(keys);
  }

  /** See CacheService.markStale: the item's entry is deleted once Redis is back. */
  markStale(id: string): void {
    this.cache.markStale(this.keyFor(id));
  }

  /** One SCAN step over item keys: the next cursor ('0' at the end) and the item ids found. */
  async scanIds(cursor: string, count: number): Promise<{ cursor: string; ids: string[] }> {
    const step = await this.cache.scan(cursor, this.cfg.keyPrefix, count);
    return { cursor: step.cursor, ids: step.keys.map((k) => this.idFromKey(k)).filter((id): id is string => id !== null) };
  }
}
