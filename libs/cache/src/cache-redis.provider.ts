import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { redisConfig, RedisConfig } from '@app/config';
import { REPLACE_IF_UNCHANGED_LUA } from './lua/replace-if-unchanged.lua';
import { WRITE_IF_NOT_OLDER_LUA } from './lua/write-if-not-older.lua';
import { failFastOptions, redisOptionsFromUrl } from './redis-options';

/** The cache's Redis client. Commands fail fast while Redis is away, so callers can fall back to PostgreSQL. */
@Injectable()
export class CacheRedis extends Redis implements OnApplicationShutdown {
  declare writeIfNotOlder: (key: string, version: number, payload: string, ttlSeconds: number) => Promise<number>;
  declare replaceIfUnchanged: (key: string, digest: string, format: 'string' | 'hash', ...value: string[]) => Promise<number>;

  constructor(@Inject(redisConfig.KEY) cfg: RedisConfig) {
    super({
      ...redisOptionsFromUrl(cfg.url),
      ...failFastOptions(cfg.commandTimeoutMs),
      connectionName: 'polaris-cache',
      // Concurrent reads in one event-loop turn go out as one write: under load this halves the
      // cost of a cache hit, which was dominated by one socket write per GET.
      enableAutoPipelining: true,
    });
    this.on('error', () => undefined); // surfaced by failed commands and health checks instead
    this.defineCommand('writeIfNotOlder', { numberOfKeys: 1, lua: WRITE_IF_NOT_OLDER_LUA });
    this.defineCommand('replaceIfUnchanged', { numberOfKeys: 1, lua: REPLACE_IF_UNCHANGED_LUA });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.quit().catch(() => this.disconnect());
  }
}
