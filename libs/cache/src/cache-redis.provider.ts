import type { Provider } from '@nestjs/common';
import { redisConfig, RedisConfig } from '@app/config';
import { REPLACE_IF_UNCHANGED_LUA } from './lua/replace-if-unchanged.lua';
import { WRITE_IF_NOT_OLDER_LUA } from './lua/write-if-not-older.lua';
import { createRedisClient, failFastOptions, RedisClient } from './redis-options';

/** The cache's Redis (one node or a cluster), with Polaris's single-key scripts, which run on the key's node. */
export type CacheRedis = RedisClient & {
  writeIfNotOlder(key: string, version: number, payload: string, ttlSeconds: number): Promise<number>;
  replaceIfUnchanged(key: string, digest: string, format: 'string' | 'hash', ...value: string[]): Promise<number>;
};

export const CACHE_REDIS = Symbol('CACHE_REDIS');

/** Commands fail fast while Redis is away, so callers can fall back to PostgreSQL. */
export const cacheRedisProvider: Provider = {
  provide: CACHE_REDIS,
  inject: [redisConfig.KEY],
  useFactory: (cfg: RedisConfig): CacheRedis => {
    const client = createRedisClient(cfg.cache, {
      ...failFastOptions(cfg.commandTimeoutMs),
      connectionName: 'polaris-cache',
      // Concurrent reads in one event-loop turn go out as one write (one per node on a cluster): under
      // load this halves the cost of a cache hit, which was dominated by one socket write per GET.
      enableAutoPipelining: true,
    });
    client.on('error', () => undefined); // surfaced by failed commands and health checks instead
    client.defineCommand('writeIfNotOlder', { numberOfKeys: 1, lua: WRITE_IF_NOT_OLDER_LUA });
    client.defineCommand('replaceIfUnchanged', { numberOfKeys: 1, lua: REPLACE_IF_UNCHANGED_LUA });
    return client as CacheRedis;
  },
};
