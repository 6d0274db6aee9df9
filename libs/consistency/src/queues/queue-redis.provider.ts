import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { redisConfig, RedisConfig } from '@app/config';
import { createRedisClient, failFastOptions, RedisClient } from '@app/cache';

const CLAIM_IF_EQUALS_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

const RENEW_IF_EQUALS_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/**
 * Redis for Polaris's own bookkeeping beside its queues (pending confirmations, traces, the sweep
 * lease, metric snapshots): one node or a cluster (QUEUE_REDIS_CLUSTER_NODES). Keys live under
 * QUEUE_PREFIX, a hash tag, so on a cluster they share one slot with the queues, and multi-key
 * commands and transactions over them stay legal.
 */
export type QueueRedis = RedisClient & {
  /** Deletes the key only when it still holds `expected`; 1 when deleted. */
  claimIfEquals(key: string, expected: string): Promise<number>;
  /** Extends the key's TTL only while it still holds `expected`; 1 when extended. */
  renewIfEquals(key: string, expected: string, ttlMs: number): Promise<number>;
  /** A key under QUEUE_PREFIX. */
  key(...parts: string[]): string;
};

export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

export const queueRedisProvider: Provider = {
  provide: QUEUE_REDIS,
  inject: [redisConfig.KEY],
  useFactory: (cfg: RedisConfig): QueueRedis => {
    const client = createRedisClient(cfg.queue, { ...failFastOptions(cfg.commandTimeoutMs), connectionName: 'polaris-state' });
    client.on('error', () => undefined); // surfaced by failed commands and health checks instead
    client.defineCommand('claimIfEquals', { numberOfKeys: 1, lua: CLAIM_IF_EQUALS_LUA });
    client.defineCommand('renewIfEquals', { numberOfKeys: 1, lua: RENEW_IF_EQUALS_LUA });
    return Object.assign(client, { key: (...parts: string[]) => [cfg.queuePrefix, ...parts].join(':') }) as QueueRedis;
  },
};

/** Closes the bookkeeping connection when the app stops. */
@Injectable()
export class QueueRedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_REDIS) private readonly redis: QueueRedis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
