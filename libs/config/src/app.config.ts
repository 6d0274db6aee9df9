import { registerAs } from '@nestjs/config';
import { Environment, loadEnvironment } from './environment';

export const appConfig = registerAs('app', () => {
  const env = loadEnvironment();
  return {
    isProduction: env.NODE_ENV === 'production',
    logLevel: env.LOG_LEVEL,
    logRequestContext: env.LOG_REQUEST_CONTEXT,
    host: env.HOST,
    port: env.PORT,
    workerHttp: { host: env.WORKER_HTTP_HOST, port: env.WORKER_HTTP_PORT },
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    corsOrigins: env.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    adminToken: env.ADMIN_TOKEN,
    secrets: secretsOf(env),
    failure: { mode: env.FAILURE_MODE, delayMs: env.FAILURE_DELAY_MS, rate: env.FAILURE_RATE },
  };
});
export type AppConfig = ReturnType<typeof appConfig>;

/** The values no log line may contain: the admin token and the passwords inside the connection URLs. */
function secretsOf(env: Environment): string[] {
  const urls = [env.POSTGRES_URL, env.REDIS_URL, env.QUEUE_REDIS_URL, env.REDIS_CLUSTER_NODES, env.QUEUE_REDIS_CLUSTER_NODES]
    .flatMap((value) => value?.split(',') ?? [])
    .map((url) => url.trim());
  const passwords = urls.flatMap((url) => {
    const password = /^[a-z]+:\/\//.test(url) ? URL.parse(url)?.password : '';
    return password ? [decoded(password)] : []; // the redaction pattern matches its percent-encoded spellings too
  });
  return [...new Set([env.ADMIN_TOKEN ?? '', ...passwords])].filter(Boolean);
}

/** TRUST_PROXY in the shape Fastify's trustProxy option takes. */
function trustProxyOf(raw: string): boolean | number | string[] {
  if (raw === '') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw.split(',').map((a) => a.trim());
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a malformed escape: the password is exactly as written
  }
}
