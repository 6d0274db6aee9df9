import { registerAs } from '@nestjs/config';
import { loadEnvironment } from './environment';

export const databaseConfig = registerAs('database', () => {
  const env = loadEnvironment();
  return {
    url: env.POSTGRES_URL,
    schema: env.POLARIS_SCHEMA,
    poolSize: env.PG_POOL_SIZE,
    connectTimeoutMs: env.PG_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: env.PG_QUERY_TIMEOUT_MS,
  };
});
export type DatabaseConfig = ReturnType<typeof databaseConfig>;
