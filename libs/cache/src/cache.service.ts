import { Inject, Injectable, Logger } from '@nestjs/common';
import { redisConfig, RedisConfig } from '@app/config';
import type { Item } from '@app/items';
import { CacheRedis } from './cache-redis.provider';
import { serializeCacheEntry } from './cache-entry';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The item cache in Redis: key `${CACHE_KEY_PREFIX}${id}`, value the item's JSON. */
@Injectable()
export class CacheService {
  private readonly logger = new Logger(CacheService.name);
  /** Items whose entry may be stale because a write could not reach Redis: deleted once it is back. */
  private readonly staleWhileAway = new Set<string>();

  constructor(
    private readonly redis: CacheRedis,
    @Inject(redisConfig.KEY) private readonly cfg: RedisConfig,
  ) {
    redis.on('ready', () => void this.deleteStaleWhileAway());
  }

  keyFor(id: string): string {
    return this.cfg.keyPrefix + id;
  }

  /** The item id a cache key belongs to, or null for keys that are not item entries. */
  idFromKey(key: string): string | null {
    if (!key.startsWith(this.cfg.keyPrefix)) return null;
    const id = key.slice(this.cfg.keyPrefix.length);
    return UUID.test(id) ? id.toLowerCase() : null;
  }

  get(id: string): Promise<string | null> {
    return this.redis.get(this.keyFor(id));
  }

  async getMany(ids: readonly string[]): Promise<(string | null)[]> {
    if (ids.length === 0) return [];
    return this.redis.mget(ids.map((id) => this.keyFor(id)));
  }

  /** Writes through the compare-and-set; false when a newer version is already cached. */
  async write(item: Item): Promise<boolean> {
    const written = await this.redis.writeIfNotOlder(this.keyFor(item.id), item.version, serializeCacheEntry(item), this.cfg.ttlSeconds);
    return written === 1;
  }

  /**
   * Overwrites the key unconditionally, bypassing the compare-and-set.
   * Only failure injection uses this: it is how a stale overwrite happens.
   */
  async overwriteUnsafely(id: string, raw: string): Promise<void> {
    const key = this.keyFor(id);
    if (this.cfg.ttlSeconds > 0) await this.redis.set(key, raw, 'EX', this.cfg.ttlSeconds);
    else await this.redis.set(key, raw);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.keyFor(id));
  }

  /**
   * A write to the item's row committed but its cache write or delete failed (Redis away): the entry
   * may now be stale. It is deleted as soon as Redis is back, so reads refill it from PostgreSQL.
   * (Held in this process; if it dies first, the worker's checks still catch the stale entry.)
   */
  markStale(id: string): void {
    this.staleWhileAway.add(id);
  }

  private async deleteStaleWhileAway(): Promise<void> {
    if (this.staleWhileAway.size === 0) return;
    const ids = [...this.staleWhileAway];
    this.staleWhileAway.clear();
    try {
      await this.deleteKeys(ids.map((id) => this.keyFor(id)));
      this.logger.log({ event: 'cache.stale_entries_deleted', count: ids.length }, 'deleted entries written while Redis was away');
    } catch {
      for (const id of ids) this.staleWhileAway.add(id); // next reconnect
    }
  }

  /** Deletes cache keys as given (e.g. every key a change touches). */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    if (keys.length) await this.redis.del(...keys);
  }

  /** One SCAN step over item keys: the next cursor ('0' at the end) and the item ids found. */
  async scanIds(cursor: string, count: number): Promise<{ cursor: string; ids: string[] }> {
    const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(this.cfg.keyPrefix)}*`, 'COUNT', count);
    const ids = keys.map((k) => this.idFromKey(k)).filter((id): id is string => id !== null);
    return { cursor: next, ids };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
