import { Queue } from 'bullmq';
import type { Cluster } from 'ioredis';
import { join } from 'node:path';
import { Client } from 'pg';
import { redisOptionsFromUrl } from '@app/cache';
import { QUEUES } from '@app/consistency';
import { freePort } from '@app/testing';
import { API_MAIN, WORKER_MAIN } from './build';
import { Isolation } from './cli';
import { Child, waitForHttp, waitUntil } from './processes';

export const CACHE_TTL_SECONDS = 3600;

/**
 * The environment of a benchmarked Polaris process: production mode, the run's database, Redis db and
 * prefixes, no failure injection. Everything else is Polaris's default unless a benchmark says otherwise.
 */
export function polarisEnv(iso: Isolation, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    POSTGRES_URL: iso.postgresUrl,
    REDIS_URL: iso.redisUrl,
    QUEUE_REDIS_URL: iso.redisUrl,
    CACHE_KEY_PREFIX: iso.cachePrefix,
    CACHE_TTL_SECONDS: String(CACHE_TTL_SECONDS),
    QUEUE_PREFIX: iso.queuePrefix,
    FAILURE_MODE: 'none',
    ...extra,
  };
}

export interface Started {
  child: Child;
  url: string;
}

/** The built api (`node dist/…/api/…/main.js`), ready when GET /health answers 200 (PostgreSQL and Redis reachable). */
export async function startApi(
  iso: Isolation,
  o: { profileDir?: string; verbose?: boolean; env?: Record<string, string> } = {},
): Promise<Started> {
  const port = await freePort();
  const child = Child.start({
    name: 'polaris-api',
    script: API_MAIN,
    env: polarisEnv(iso, { PORT: String(port), ...o.env }),
    profileDir: o.profileDir,
    verbose: o.verbose,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, child);
  return { child, url };
}

/** A bench baseline server (a .ts file under bench/baselines), ready when GET /health answers 200. */
export async function startBaselineServer(
  name: string,
  script: string,
  env: Record<string, string>,
  o: { profileDir?: string; verbose?: boolean } = {},
): Promise<Started> {
  const port = await freePort();
  const child = Child.start({ name, script, env: { ...env, PORT: String(port) }, stdinLifeline: true, ...o });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, child);
  return { child, url };
}

/**
 * BullMQ Queue handles on the run's queues, for enqueueing, counting and seeing which workers are connected:
 * on the run's Redis db, or on `cluster` (an ioredis Cluster client the caller owns) when given.
 */
export function openQueues(iso: Isolation, cluster?: Cluster) {
  const connection = cluster ?? { ...redisOptionsFromUrl(iso.redisUrl), maxRetriesPerRequest: null };
  const checks = new Queue(QUEUES.checks, { prefix: iso.queuePrefix, connection });
  const confirmations = new Queue(QUEUES.confirmations, { prefix: iso.queuePrefix, connection });
  return {
    checks,
    confirmations,
    /** Jobs not yet finished (waiting, active, delayed, prioritized, waiting for children). */
    async outstanding(queue: Queue = checks): Promise<number> {
      const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(c).reduce((a, b) => a + b, 0);
    },
    async failed(queue: Queue = checks): Promise<number> {
      return (await queue.getJobCounts('failed')).failed;
    },
    async close() {
      await Promise.all([checks.close(), confirmations.close()]);
    },
  };
}
export type Queues = ReturnType<typeof openQueues>;

/**
 * The built worker (`npm run start:worker`'s file), ready when it is connected as a BullMQ worker to
 * both of Polaris's queues (Nest has then finished booting: processors, relay and sweeper included).
 */
export async function startWorker(
  iso: Isolation,
  queues: Queues,
  o: {
    profileDir?: string;
    verbose?: boolean;
    env?: Record<string, string>;
    waitReady?: boolean;
    countLines?: Record<string, string>;
  } = {},
): Promise<Child> {
  const child = Child.start({
    name: 'polaris-worker',
    script: WORKER_MAIN,
    env: polarisEnv(iso, o.env),
    profileDir: o.profileDir,
    verbose: o.verbose,
    countLines: o.countLines,
  });
  if (o.waitReady !== false) {
    await waitUntil(
      'polaris-worker connected to its queues',
      async () => (await queues.checks.getWorkersCount()) > 0 && (await queues.confirmations.getWorkersCount()) > 0,
      { timeoutMs: 60_000, intervalMs: 100, watch: [child] },
    );
  }
  return child;
}

/** Lifecycle records in PostgreSQL by status (a benchmark on consistent data must produce none). */
export async function inconsistencyCounts(pg: Client): Promise<Record<string, number>> {
  const { rows } = await pg.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM inconsistencies GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Prometheus text → sum of a counter's samples with the given label value (any label value when `label` is omitted). */
export function counterSum(metricsText: string, metric: string, label?: string, value?: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(metric + '{')) continue;
    if (label !== undefined && !line.includes(`${label}="${value}"`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Prometheus text → the value of `metric`'s first series, whatever its labels (e.g. the sweep gauges' `{source="items"}`); NaN when absent. */
export function metricValue(metricsText: string, metric: string): number {
  return Number(metricsText.match(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? NaN);
}

export function profileDirFor(out: string, name: string, enabled: boolean): string | undefined {
  return enabled ? join(out, 'profiles', name) : undefined;
}
