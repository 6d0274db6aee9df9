import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { CacheService, withTimeout } from '@app/cache';
import { QueueRedis } from '../../queues';
import { HEALTH_TIMEOUT_MS } from './readiness';

/** Up when both the cache Redis and the queue Redis answer PING in time. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly cache: CacheService,
    private readonly queue: QueueRedis,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    try {
      await withTimeout(Promise.all([this.cache.ping(), this.queue.ping()]), HEALTH_TIMEOUT_MS);
      return probe.up();
    } catch (err) {
      return probe.down({ message: (err as Error).message });
    }
  }
}
