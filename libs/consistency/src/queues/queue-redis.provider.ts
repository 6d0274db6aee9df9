import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { redisConfig, RedisConfig } from '@app/config';
import { failFastOptions, redisOptionsFromUrl } from '@app/cache';

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
 * Redis for Polaris's own bookkeeping beside its queues (pending confirmations, items' traces, the
 * sweep lease, metric snapshots).
 * Keys live under QUEUE_PREFIX, a hash tag, so they share a slot with the queues on a cluster.
 */
@Injectable()
export class QueueRedis extends Redis implements OnApplicationShutdown {
  /** Deletes the key only when it still holds `expected`; 1 when deleted. */
  declare claimIfEquals: (key: string, expected: string) => Promise<number>;
  /** Extends the key's TTL only while it still holds `expected`; 1 when extended. */
  declare renewIfEquals: (key: string, expected: string, ttlMs: number) => Promise<number>;

  constructor(@Inject(redisConfig.KEY) readonly cfg: RedisConfig) {
    super({ ...redisOptionsFromUrl(cfg.queueUrl), ...failFastOptions(cfg.commandTimeoutMs), connectionName: 'polaris-state' });
    this.on('error', () => undefined); // surfaced by failed commands and health checks instead
    this.defineCommand('claimIfEquals', { numberOfKeys: 1, lua: CLAIM_IF_EQUALS_LUA });
    this.defineCommand('renewIfEquals', { numberOfKeys: 1, lua: RENEW_IF_EQUALS_LUA });
  }

  /** A key under QUEUE_PREFIX. */
  key(...parts: string[]): string {
    return [this.cfg.queuePrefix, ...parts].join(':');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.quit().catch(() => this.disconnect());
  }
}
