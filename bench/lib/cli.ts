/**
 * Command-line options shared by every benchmark, and where each run keeps its data.
 *
 *   --smoke            seconds, tiny sizes, one round: proves the harness works, measures nothing
 *   --rounds N         alternating rounds per side
 *   --duration S       seconds per load round (HTTP benchmarks)
 *   --out DIR          where <name>.json and <name>.svg go (default bench/results, or bench/results/smoke with --smoke)
 *   --keep             leave the database (and Redis db) as the run left them
 *   --profile          run the Polaris processes (and the baselines) under node --cpu-prof, profiles in <out>/profiles/<name>/
 *   --strict           exit 2 when a goal is missed (default: report it, exit 0)
 *   --verbose          echo the children's output
 */
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

export interface CommonOptions {
  smoke: boolean;
  rounds: number;
  out: string;
  keep: boolean;
  profile: boolean;
  strict: boolean;
  verbose: boolean;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

export function numberArg(name: string, fallback: number, { min = 0, integer = true } = {}): number {
  const raw = stringArg(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} needs a${integer ? 'n integer' : ' number'} >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export function commonOptions(defaults: { rounds: number }): CommonOptions {
  const smoke = flag('smoke');
  return {
    smoke,
    rounds: numberArg('rounds', smoke ? 1 : defaults.rounds, { min: 1 }),
    out: resolve(stringArg('out') ?? join(ROOT, 'bench', 'results', ...(smoke ? ['smoke'] : []))),
    keep: flag('keep'),
    profile: flag('profile'),
    strict: flag('strict'),
    verbose: flag('verbose'),
  };
}

/** Redis databases reserved for the benchmarks: full runs FLUSHDB theirs, smoke runs share the last one by key prefix. */
export const BENCH_REDIS_DBS = [8, 10, 11, 12, 13, 14, 15] as const;
const FULL_RUN_DB: Record<string, number> = { read: 10, write: 11, checks: 12, sweep: 13, chaos: 14, audit: 8 };
const SMOKE_DB = 15;

export const PG_SERVER = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_SERVER = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Where one benchmark run keeps its data.
 *
 * A full run owns a PostgreSQL database `polaris_bench_<name>` (dropped and migrated at start) and
 * a Redis db (8 or 10–15, FLUSHDB at start). A smoke run may overlap another test run on this machine,
 * so it never flushes: it gets a database and key prefixes with its pid in them, in Redis db 15,
 * and removes exactly those at the end.
 */
export interface Isolation {
  name: string;
  database: string;
  postgresUrl: string;
  redisDb: number;
  redisUrl: string;
  /** Polaris's CACHE_KEY_PREFIX. */
  cachePrefix: string;
  /** Keys of a baseline that must not share Polaris's keys (write benchmark). */
  baselinePrefix: string;
  /** Polaris's QUEUE_PREFIX (a hash tag); the bare BullMQ baseline uses it too. */
  queuePrefix: string;
  /** True when the run owns the whole Redis db (FLUSHDB); false: remove its prefixes instead. */
  ownsRedisDb: boolean;
}

export function isolation(name: string, smoke: boolean): Isolation {
  const envDb = process.env.BENCH_REDIS_DB;
  if (smoke) {
    const tag = `${name}_smoke_${process.pid}`;
    const redisDb = envDb ? Number(envDb) : SMOKE_DB;
    return {
      name,
      database: `polaris_bench_${tag}`,
      postgresUrl: `${PG_SERVER}/polaris_bench_${tag}`,
      redisDb,
      redisUrl: `${REDIS_SERVER}/${redisDb}`,
      cachePrefix: `bench:${tag}:item:`,
      baselinePrefix: `bench:${tag}:baseline:item:`,
      queuePrefix: `{bench-${tag.replace(/_/g, '-')}}`,
      ownsRedisDb: false,
    };
  }
  const redisDb = envDb ? Number(envDb) : FULL_RUN_DB[name];
  if (redisDb === undefined)
    throw new Error(`no Redis db assigned to benchmark "${name}": set BENCH_REDIS_DB (${BENCH_REDIS_DBS.join(', ')})`);
  return {
    name,
    database: `polaris_bench_${name}`,
    postgresUrl: `${PG_SERVER}/polaris_bench_${name}`,
    redisDb,
    redisUrl: `${REDIS_SERVER}/${redisDb}`,
    cachePrefix: 'item:', // Polaris's default: the db is ours alone
    baselinePrefix: 'baseline:item:',
    queuePrefix: `{bench-${name}}`,
    ownsRedisDb: true,
  };
}

export function assertBenchRedisDb(db: number): void {
  if (!(BENCH_REDIS_DBS as readonly number[]).includes(db)) {
    throw new Error(`Redis db ${db} is not one of the benchmark dbs ${BENCH_REDIS_DBS.join(', ')}: refusing to touch it`);
  }
}

export const log = (scope: string) => (msg: string) => console.error(`[bench:${scope}] ${msg}`);
