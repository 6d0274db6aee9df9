import { Injectable } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { ItemsError } from '@app/items';
import { CacheRepairService } from './cache-repair.service';
import { CheckScheduler } from './check-scheduler.service';
import { ConsistencyError } from './consistency.errors';
import { InconsistencyDetailDto, InconsistencyDto } from './dto/inconsistency.dto';
import { RefreshResultDto } from './dto/refresh-result.dto';
import { InconsistenciesRepository } from './inconsistencies.repository';
import { LifecycleService } from './lifecycle.service';

/** What operators do with inconsistency records through the api. */
@Injectable()
export class InconsistenciesService {
  constructor(
    private readonly records: InconsistenciesRepository,
    private readonly repair: CacheRepairService,
    private readonly cache: CacheService,
    private readonly scheduler: CheckScheduler,
    private readonly lifecycle: LifecycleService,
  ) {}

  async list(activeOnly: boolean, limit: number): Promise<InconsistencyDto[]> {
    const now = Date.now();
    return (await this.records.list(activeOnly, limit)).map((r) => InconsistencyDto.from(r, now));
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
    const resolved = await this.lifecycle.resolve(itemId, this.cache.keyFor(itemId), 'refreshed', { trigger: 'manual' });
    return { data: item, resolved: resolved ? 1 : 0 };
  }

  /** Queues a check for the item now, as an operator asked for it. */
  async requestCheck(itemId: string): Promise<void> {
    await this.scheduler.enqueue([itemId], 'manual');
  }
}
