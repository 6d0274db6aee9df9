import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { CacheService, withTimeout } from '@app/cache';
import { QueueRedis } from '../queue-redis.provider';

/** Up when both the cache Redis and the queue Redis answer PING in time. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly cache: CacheService,
    private readonly queue: QueueRedis,
  ) {}

  async check(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    try {
      await withTimeout(Promise.all([this.cache.ping(), this.queue.ping()]), timeoutMs);
      return probe.up();
    } catch (err) {
      return probe.down({ message: (err as Error).message });
    }
  }
}
