import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { CacheService, redisHealth, withTimeout } from '@app/cache';
import { QUEUE_REDIS, QueueRedis } from '../../queues';
import { HEALTH_TIMEOUT_MS } from './timeouts';

/**
 * Up when both the cache Redis and the queue Redis answer in time: PING on one node; on a cluster,
 * every master must report `cluster_state:ok` (details: the cluster's state and its masters).
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly cache: CacheService,
    @Inject(QUEUE_REDIS) private readonly queue: QueueRedis,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    try {
      const [cache, queue] = await withTimeout(Promise.all([this.cache.health(), redisHealth(this.queue)]), HEALTH_TIMEOUT_MS);
      const clusters = { ...(Object.keys(cache).length ? { cache } : {}), ...(Object.keys(queue).length ? { queue } : {}) };
      return probe.up(clusters);
    } catch (err) {
      return probe.down({ message: (err as Error).message });
    }
  }
}
