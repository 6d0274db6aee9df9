import { Inject, Injectable, Logger } from '@nestjs/common';
import { appConfig, AppConfig, consistencyConfig, ConsistencyConfig } from '@app/config';
import { CacheService, serializeCacheEntry } from '@app/cache';
import { UpdatedItem } from './item';
import { planCacheWrite } from './failure-injection';

/**
 * Writes an updated item into the cache after its commit. Under FAILURE_MODE (demos and tests only)
 * it injects the divergence the guard exists to catch.
 */
@Injectable()
export class CacheWriterService {
  private readonly logger = new Logger(CacheWriterService.name);

  constructor(
    private readonly cache: CacheService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(consistencyConfig.KEY) private readonly consistency: ConsistencyConfig,
  ) {}

  /** Whether afterUpdate needs the row as it was before the update (to write it back as a stale entry). */
  get needsPreviousRow(): boolean {
    return this.app.failure.mode === 'delay' || this.app.failure.mode === 'blip';
  }

  async afterUpdate({ previous, current }: UpdatedItem): Promise<void> {
    const plan = planCacheWrite(this.app.failure, this.consistency.gracePeriodMs, Math.random());
    const stale = () => serializeCacheEntry(previous!); // asked for whenever the mode writes it (needsPreviousRow)
    switch (plan.kind) {
      case 'write':
        await this.cache.write(current);
        return;
      case 'skip':
        return;
      case 'write-then-stale':
        await this.cache.write(current);
        this.later(plan.staleAfterMs, () => this.cache.overwriteUnsafely(current.id, stale()));
        return;
      case 'write-stale-then-repair':
        await this.cache.write(current);
        await this.cache.overwriteUnsafely(current.id, stale());
        this.later(plan.repairAfterMs, () => this.cache.write(current));
        return;
    }
  }

  private later(ms: number, effect: () => Promise<unknown>): void {
    setTimeout(() => {
      effect().catch((err: Error) => this.logger.warn(`injected cache write failed: ${err.message}`));
    }, ms).unref();
  }
}
