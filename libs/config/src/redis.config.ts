import { registerAs } from '@nestjs/config';
import { loadEnvironment } from './environment';
import { clusterTarget, RedisTarget } from './redis-target';

export const redisConfig = registerAs('redis', () => {
  const env = loadEnvironment();
  const cache: RedisTarget = env.REDIS_CLUSTER_NODES ? clusterTarget(env.REDIS_CLUSTER_NODES) : { kind: 'single', url: env.REDIS_URL };
  // The queue Redis defaults to the cache's, cluster or not.
  let queue: RedisTarget = cache;
  if (env.QUEUE_REDIS_CLUSTER_NODES) queue = clusterTarget(env.QUEUE_REDIS_CLUSTER_NODES);
  else if (env.QUEUE_REDIS_URL) queue = { kind: 'single', url: env.QUEUE_REDIS_URL };
  return {
    cache,
    queue,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    keyPrefix: env.CACHE_KEY_PREFIX,
    ttlSeconds: env.CACHE_TTL_SECONDS,
    queuePrefix: env.QUEUE_PREFIX,
  };
});
export type RedisConfig = ReturnType<typeof redisConfig>;
