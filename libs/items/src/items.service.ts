import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '@app/metrics';
import { CacheWriter } from './cache-writer';
import { Item, ItemUpdate, JsonValue } from './item';
import { ItemCache } from './item-cache';
import { ItemsError } from './items.errors';
import { ItemsRepository } from './items.repository';

export interface ItemRead {
  source: 'cache' | 'db';
  data: Item;
}

/**
 * Reads through the cache; writes PostgreSQL first and Redis second. A Redis failure never fails
 * a request: reads fall back to PostgreSQL and writes stay committed. Checks are not enqueued here:
 * the change-capture trigger records every write in the same transaction and the worker's relay
 * schedules the checks, so no write goes unchecked even if this process dies right after commit.
 */
@Injectable()
export class ItemsService {
  private readonly logger = new Logger(ItemsService.name);
  private lastRedisWarning = 0;

  constructor(
    private readonly items: ItemsRepository,
    private readonly cache: ItemCache,
    private readonly cacheWriter: CacheWriter,
    private readonly metrics: MetricsService,
  ) {}

  create(name: string, value: JsonValue): Promise<Item> {
    return this.items.create(name, value);
  }

  async get(id: string): Promise<ItemRead> {
    const cached = await this.cache.read(id).catch((err: Error) => this.redisFailed('read', err));
    if (cached) {
      this.metrics.cacheHit();
      return { source: 'cache', data: cached };
    }
    this.metrics.cacheMiss();
    const item = await this.items.findById(id);
    if (!item) throw ItemsError.notFound(id);
    await this.cache.write(item).catch((err: Error) => this.redisFailed('fill', err));
    return { source: 'db', data: item };
  }

  list(after: string | undefined, limit: number): Promise<Item[]> {
    return this.items.page(after, limit);
  }

  async update(id: string, change: ItemUpdate): Promise<Item> {
    const updated = await this.items.update(id, change);
    if (!updated) {
      const version = await this.items.currentVersion(id);
      if (version === null) throw ItemsError.notFound(id);
      throw ItemsError.versionConflict(id, change.expectedVersion ?? version, version);
    }
    await this.cacheWriter.afterUpdate(updated).catch((err: Error) => this.redisFailed('write', err, id));
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.items.delete(id))) throw ItemsError.notFound(id);
    await this.cache.delete(id).catch((err: Error) => this.redisFailed('delete', err, id));
  }

  /**
   * Redis being away is expected and survivable; say so at most every 10 s instead of per request.
   * A write that could not update the cache leaves its entry possibly stale: delete it once Redis is back.
   */
  private redisFailed(action: string, err: Error, written?: string): null {
    if (written) this.cache.markStale(written);
    const now = Date.now();
    if (now - this.lastRedisWarning > 10_000) {
      this.lastRedisWarning = now;
      this.logger.warn(
        { event: 'redis.unavailable', action, error: err.message },
        `Redis ${action} failed; PostgreSQL stays authoritative`,
      );
    }
    return null;
  }
}
