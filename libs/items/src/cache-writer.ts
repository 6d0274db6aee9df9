import { Logger, Provider } from '@nestjs/common';
import { appConfig, AppConfig, consistencyConfig, ConsistencyConfig } from '@app/config';
import type { Item } from './item';
import { ItemCache, parseCacheEntry, serializeCacheEntry } from './item-cache';
import { planCacheWrite } from './failure-injection';

/** Writes an updated item into the cache after its commit. */
export abstract class CacheWriter {
  abstract afterUpdate(item: Item): Promise<void>;
}

/** The normal write: through the compare-and-set. */
export class PlainCacheWriter extends CacheWriter {
  constructor(private readonly cache: ItemCache) {
    super();
  }

  async afterUpdate(item: Item): Promise<void> {
    await this.cache.write(item);
  }
}

/**
 * FAILURE_MODE (demos and tests only): injects the divergence the guard exists to catch. The stale
 * entry it writes back is the one that was cached before the update, as a racing reader holding it
 * would; when nothing older than the update is cached (a miss, or a fill or a newer writer got there
 * first), the new entry under the previous version, so the fault is always injected.
 */
export class FaultInjectingCacheWriter extends CacheWriter {
  private readonly logger = new Logger(FaultInjectingCacheWriter.name);

  constructor(
    private readonly cache: ItemCache,
    private readonly failure: AppConfig['failure'],
    private readonly gracePeriodMs: number,
  ) {
    super();
  }

  async afterUpdate(item: Item): Promise<void> {
    const plan = planCacheWrite(this.failure, this.gracePeriodMs, Math.random());
    if (plan.kind === 'skip') return;
    const before = plan.kind === 'write' ? null : await this.cache.getOne(item.id);
    await this.cache.write(item);
    if (plan.kind === 'write') return;
    const older = before !== null && (parseCacheEntry(before)?.version ?? Infinity) < item.version;
    const stale = older ? before : serializeCacheEntry({ ...item, version: item.version - 1 });
    if (plan.kind === 'write-then-stale') {
      this.later(plan.staleAfterMs, () => this.cache.overwriteUnsafely(item.id, stale));
      return;
    }
    await this.cache.overwriteUnsafely(item.id, stale);
    this.later(plan.repairAfterMs, () => this.cache.write(item));
  }

  private later(ms: number, effect: () => Promise<unknown>): void {
    setTimeout(() => {
      effect().catch((err: Error) => this.logger.warn(`injected cache write failed: ${err.message}`));
    }, ms).unref();
  }
}

/** The cache writer, chosen once at boot: plain, or fault-injecting under FAILURE_MODE. */
export const cacheWriterProvider: Provider = {
  provide: CacheWriter,
  inject: [ItemCache, appConfig.KEY, consistencyConfig.KEY],
  useFactory: (cache: ItemCache, app: AppConfig, consistency: ConsistencyConfig): CacheWriter =>
    app.failure.mode === 'none'
      ? new PlainCacheWriter(cache)
      : new FaultInjectingCacheWriter(cache, app.failure, consistency.gracePeriodMs),
};
