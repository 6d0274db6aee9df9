import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  getMetadataStorage,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { CLUSTER_SEED_LIST } from './redis-target';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const FAILURE_MODES = ['none', 'delay', 'skip', 'blip'] as const;
export const OUT_OF_BAND_POLICIES = ['detect', 'invalidate', 'refresh'] as const;
export const HEAL_POLICIES = ['off', 'refresh', 'invalidate'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads the raw variable: implicit conversion alone would turn "false" into true. */
const toBoolean = ({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
  const raw = obj[key];
  if (typeof raw !== 'string') return raw;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  return raw; // left for @IsBoolean to reject
};

/**
 * Every variable Polaris reads, with its default. The defaults point at local servers,
 * so a fresh clone runs with no .env at all. Type checks come last in each decorator list: decorators
 * apply bottom-up, so the type is validated first and a bad variable gets one clear message.
 */
export class Environment {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /**
   * Bind each request's logger (and so its id) to every line logged while handling it, through
   * AsyncLocalStorage. Off by default: on Node 20 it enables async hooks for every promise in the
   * process, which costs about a third of the cache-hit read throughput.
   */
  @Transform(toBoolean)
  @IsBoolean()
  LOG_REQUEST_CONTEXT: boolean = false;

  @IsString()
  HOST: string = '0.0.0.0';

  @Min(0)
  @Max(65535)
  @IsInt()
  PORT: number = 3000;

  /** The worker's internal listener for /health and /metrics (0: any free port). */
  @Min(0)
  @Max(65535)
  @IsInt()
  WORKER_HTTP_PORT: number = 3001;

  @IsString()
  WORKER_HTTP_HOST: string = '127.0.0.1';

  /** Requests per minute per client address and route on the api (0: no limit). /health and /metrics are never limited. */
  @Min(0)
  @IsInt()
  RATE_LIMIT_PER_MINUTE: number = 0;

  /**
   * Which proxies' X-Forwarded-For to believe for the client address (rate limits, logs): empty for
   * none, `true` for any, a hop count, or comma-separated addresses/CIDRs, as Fastify's trustProxy.
   */
  @Matches(/^(|true|\d+|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/, {
    message: 'TRUST_PROXY must be empty, true, a hop count, or addresses/CIDRs',
  })
  TRUST_PROXY: string = '';

  /** Comma-separated origins allowed by CORS, or * for any; empty: CORS off. */
  @IsString()
  CORS_ORIGINS: string = '';

  @Min(1024)
  @IsInt()
  BODY_LIMIT_BYTES: number = 1_048_576;

  @IsOptional()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  @IsString()
  ADMIN_TOKEN?: string;

  @Matches(/^postgres(ql)?:\/\//, { message: 'POSTGRES_URL must be a postgres:// URL' })
  POSTGRES_URL: string = 'postgres://postgres@127.0.0.1:5432/polaris';

  @Min(1)
  @Max(200)
  @IsInt()
  PG_POOL_SIZE: number = 10;

  @Min(100)
  @IsInt()
  PG_CONNECT_TIMEOUT_MS: number = 2000;

  @Min(100)
  @IsInt()
  PG_QUERY_TIMEOUT_MS: number = 10_000;

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Queue state (BullMQ, pending confirmations, locks) may live on another Redis than the cache it audits. */
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'QUEUE_REDIS_URL must be a redis:// URL' })
  QUEUE_REDIS_URL?: string;

  /**
   * The cache on a Redis Cluster: comma-separated seeds (host:port, or rediss://user:password@host:port
   * for credentials and TLS). Takes precedence over REDIS_URL.
   */
  @IsOptional()
  @Matches(CLUSTER_SEED_LIST, { message: 'REDIS_CLUSTER_NODES must be comma-separated host:port seeds' })
  REDIS_CLUSTER_NODES?: string;

  /** Queue state on a Redis Cluster (seeds as for REDIS_CLUSTER_NODES); excludes QUEUE_REDIS_URL. */
  @IsOptional()
  @Matches(CLUSTER_SEED_LIST, { message: 'QUEUE_REDIS_CLUSTER_NODES must be comma-separated host:port seeds' })
  QUEUE_REDIS_CLUSTER_NODES?: string;

  @Min(50)
  @IsInt()
  REDIS_COMMAND_TIMEOUT_MS: number = 1000;

  @MinLength(1)
  @IsString()
  CACHE_KEY_PREFIX: string = 'item:';

  @Min(0)
  @IsInt()
  CACHE_TTL_SECONDS: number = 3600;

  @Matches(/^\{[^{}]+\}$/, { message: 'QUEUE_PREFIX must be a Redis Cluster hash tag such as {polaris}' })
  @IsString()
  QUEUE_PREFIX: string = '{polaris}';

  /** The first check of a write waits this long, so the writer's own cache write (right after its commit) has landed. */
  @Min(0)
  @IsInt()
  IMMEDIATE_CHECK_DELAY_MS: number = 100;

  @Min(0)
  @IsInt()
  POST_WRITE_CHECK_DELAY_MS: number = 2500;

  @Min(0)
  @IsInt()
  GRACE_PERIOD_MS: number = 2000;

  @Transform(toBoolean)
  @IsBoolean()
  SWEEP_ENABLED: boolean = true;

  @Min(10)
  @IsInt()
  SWEEP_INTERVAL_MS: number = 5000;

  @Min(1)
  @Max(10_000)
  @IsInt()
  SWEEP_BATCH_SIZE: number = 1000;

  @Min(1)
  @IsInt()
  SWEEP_MAX_ITEMS_PER_TICK: number = 1_000_000;

  @Min(1)
  @Max(1000)
  @IsInt()
  CHECK_CONCURRENCY: number = 64;

  @IsIn(OUT_OF_BAND_POLICIES)
  OUT_OF_BAND_POLICY: (typeof OUT_OF_BAND_POLICIES)[number] = 'detect';

  @IsIn(HEAL_POLICIES)
  HEAL_POLICY: (typeof HEAL_POLICIES)[number] = 'off';

  @Transform(toBoolean)
  @IsBoolean()
  RELAY_ENABLED: boolean = true;

  @Min(10)
  @IsInt()
  RELAY_POLL_INTERVAL_MS: number = 1000;

  @Min(1)
  @Max(10_000)
  @IsInt()
  RELAY_BATCH_SIZE: number = 1000;

  @Min(0)
  @IsInt()
  TIMELINE_WINDOW_MS: number = 60_000;

  @Min(1)
  @Max(1000)
  @IsInt()
  TIMELINE_MAX_ENTRIES: number = 50;

  /**
   * The schema of Polaris's own tables and functions (and the demo items); Polaris's sessions put it
   * first on their search_path. Created by `npm run migrate`.
   */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'POLARIS_SCHEMA must be a lower-case SQL identifier' })
  POLARIS_SCHEMA: string = 'polaris';

  /** The sources declaration (see polaris.yaml); absent file: only the built-in items are guarded. */
  @MinLength(1)
  @IsString()
  POLARIS_SOURCES: string = './polaris.yaml';

  @IsIn(FAILURE_MODES)
  FAILURE_MODE: (typeof FAILURE_MODES)[number] = 'none';

  @Min(0)
  @IsInt()
  FAILURE_DELAY_MS: number = 2000;

  @Min(0)
  @Max(1)
  @IsNumber()
  FAILURE_RATE: number = 1;
}

/** Variables whose value a configuration error must not echo: the admin token, and URLs that may carry a password. */
const SECRET_VARIABLES = new Set(['ADMIN_TOKEN']);
const URL_VARIABLES = new Set(['POSTGRES_URL', 'REDIS_URL', 'QUEUE_REDIS_URL', 'REDIS_CLUSTER_NODES', 'QUEUE_REDIS_CLUSTER_NODES']);

/** A bad variable's value as an error may show it: secrets hidden, URL credentials masked. */
export function shownValue(name: string, value: string | undefined): string {
  if (value === undefined) return 'unset';
  if (SECRET_VARIABLES.has(name)) return `[redacted, ${value.length} characters]`;
  if (URL_VARIABLES.has(name)) return JSON.stringify(value.replace(/\/\/[^/@,]*@/g, '//[redacted]@'));
  return JSON.stringify(value);
}

/** Every variable Environment validates (each has at least one rule). */
const VARIABLES = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(Environment, '', true, false)
      .map((m) => m.propertyName),
  ),
];
let validated: { key: string; env: Environment } | undefined;

/**
 * Parses and validates process.env; throws one line per bad variable, never echoing a secret.
 * Validated once per process: later calls get the same result while the variables stay the same
 * (specs change them between the apps they start in one process).
 */
export function loadEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const key = JSON.stringify(VARIABLES.map((name) => source[name] ?? null));
  if (source === process.env && validated?.key === key) return validated.env;
  const env = Object.freeze(validateEnvironment(source));
  if (source === process.env) validated = { key, env };
  return env;
}

function validateEnvironment(source: NodeJS.ProcessEnv): Environment {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(Environment, present, { enableImplicitConversion: true, exposeDefaultValues: true });
  const problems = validateSync(env, { stopAtFirstError: true }).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((message) => `${e.property}=${shownValue(e.property, source[e.property])}: ${message}`),
  );
  if (env.QUEUE_REDIS_URL && env.QUEUE_REDIS_CLUSTER_NODES) {
    problems.push('QUEUE_REDIS_URL and QUEUE_REDIS_CLUSTER_NODES are both set: set one (the queue Redis is one node or one cluster)');
  }
  if (env.NODE_ENV === 'production' && env.FAILURE_MODE !== 'none') {
    problems.push(`FAILURE_MODE=${env.FAILURE_MODE}: failure injection is refused under NODE_ENV=production`);
  }
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return env;
}
