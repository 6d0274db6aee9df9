export * from './cache-entry';
export * from './cache-redis.provider';
export * from './cache.module';
export * from './cache.service';
export * from './redis-errors';
export * from './redis-options';
export * from './with-timeout';
