import { registerAs } from '@nestjs/config';
import { loadEnvironment } from './environment';

export const redisConfig = registerAs('redis', () => {
  const env = loadEnvironment();
  return {
    url: env.REDIS_URL,
    queueUrl: env.QUEUE_REDIS_URL ?? env.REDIS_URL,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    keyPrefix: env.CACHE_KEY_PREFIX,
    ttlSeconds: env.CACHE_TTL_SECONDS,
    queuePrefix: env.QUEUE_PREFIX,
  };
});
export type RedisConfig = ReturnType<typeof redisConfig>;
