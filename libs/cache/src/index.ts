export { CacheModule } from './cache.module';
export { CacheService, redisHealth } from './cache.service';
export { isRedisUnavailable } from './redis-errors';
export { contentDigest } from './redis-value';
export type { RedisValue } from './redis-value';
export { createRedisClient, failFastOptions, isCluster, reconnectDelay, redisOptionsFromUrl } from './redis-options';
export type { RedisClient, UrlRedisOptions } from './redis-options';
export { withTimeout } from './with-timeout';
