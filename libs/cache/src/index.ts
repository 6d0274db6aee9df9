export { CacheModule } from './cache.module';
export { CacheService } from './cache.service';
export { isRedisUnavailable } from './redis-errors';
export { contentDigest } from './redis-value';
export type { RedisValue } from './redis-value';
export { failFastOptions, reconnectDelay, redisOptionsFromUrl } from './redis-options';
export type { UrlRedisOptions } from './redis-options';
export { withTimeout } from './with-timeout';
