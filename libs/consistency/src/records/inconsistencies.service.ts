import { Injectable } from '@nestjs/common';
import { CacheRepairService, ItemCache, ItemsError } from '@app/items';
import { BUILT_IN_SOURCE, SourceRegistry } from '@app/sources';
import { CheckScheduler } from '../queues';
import { ConsistencyError } from './consistency.errors';
import { InconsistencyDetailDto, InconsistencyDto } from './dto/inconsistency.dto';
import { RefreshResultDto } from './dto/refresh-result.dto';
import { InconsistenciesRepository } from './inconsistencies.repository';
import type { Resolution } from './inconsistency';
import { LifecycleEvents } from './lifecycle-events';

/** What operators do with inconsistency records through the api, and how a record is closed. */
@Injectable()
export class InconsistenciesService {
  constructor(
    private readonly records: InconsistenciesRepository,
    private readonly repair: CacheRepairService,
    private readonly cache: ItemCache,
    private readonly scheduler: CheckScheduler,
    private readonly events: LifecycleEvents,
    private readonly sources: SourceRegistry,
  ) {}

  /**
   * Newest last_seen first; of one source when `source` names one: a declared source, or one removed
   * since that left records. Any other name is a 400 (a typo), not an empty list.
   */
  async list(activeOnly: boolean, limit: number, source?: string): Promise<InconsistencyDto[]> {
    if (source !== undefined && source !== BUILT_IN_SOURCE && !this.sources.get(source) && !(await this.records.hasSource(source))) {
      throw ConsistencyError.unknownSource(source, [BUILT_IN_SOURCE, ...this.sources.sources.map((s) => s.name)]);
    }
    const now = Date.now();
    return (await this.records.list(activeOnly, limit, source)).map((r) => InconsistencyDto.from(r, now));
  }

  async get(id: string): Promise<InconsistencyDetailDto> {
    const record = await this.records.findById(id);
    if (!record) throw ConsistencyError.notFound(id);
    return InconsistencyDetailDto.detail(record);
  }

  /** Rewrites the cache entry from PostgreSQL and resolves the key's open record as refreshed. */
  async refresh(itemId: string): Promise<RefreshResultDto> {
    const item = await this.repair.refresh(itemId);
    if (!item) throw ItemsError.notFound(itemId);
    const resolved = await this.resolve(this.cache.keyFor(itemId), 'refreshed', { itemId, trigger: 'manual' });
    return { data: item, resolved: resolved ? 1 : 0 };
  }

  /** Queues a check for the item now, as an operator asked for it. */
  async requestCheck(itemId: string): Promise<void> {
    await this.scheduler.enqueue([itemId], 'manual');
  }

  /** Closes the key's open record, if any, and announces it (with `context`: item id or source, trigger); true when this call closed it. */
  async resolve(cacheKey: string, resolution: Resolution, context: Record<string, unknown> = {}): Promise<boolean> {
    const record = await this.records.resolve(cacheKey, resolution);
    if (!record) return false;
    this.events.emit('resolved', {
      key: cacheKey,
      ...context,
      inconsistencyId: record.id,
      resolution,
      count: record.count,
      durationMs: record.resolvedAt!.getTime() - record.firstDetectedAt.getTime(),
    });
    return true;
  }
}
