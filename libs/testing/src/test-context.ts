import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { createRedisClient, redisOptionsFromUrl } from '@app/cache';
import { databaseConfig, redisConfig, setLogDestination } from '@app/config';
import { QUEUES } from '@app/consistency';
import { migrate, sessionOptions } from '@app/database';
import { MetricsService, sumBy } from '@app/metrics';
import { dropDatabase, removeKeys, waitFor } from './stores';

export const TEST_POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Short timings so lifecycle specs run in seconds; each spec may override any variable. */
const FAST_DEFAULTS: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  GRACE_PERIOD_MS: '400',
  IMMEDIATE_CHECK_DELAY_MS: '20',
  POST_WRITE_CHECK_DELAY_MS: '700',
  FAILURE_MODE: 'none',
  FAILURE_DELAY_MS: '250',
  SWEEP_ENABLED: 'false',
  WORKER_HTTP_PORT: '0',
  SWEEP_INTERVAL_MS: '200',
  SWEEP_BATCH_SIZE: '100',
  PG_POOL_SIZE: '5',
};

/** Log lines held back per spec file: the most recent ones, printed if the spec fails. */
const MAX_HELD_LOG_LINES = 20_000;

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
}

/**
 * One isolated world per spec file: its own PostgreSQL database (migrated like production)
 * and its own Redis key prefixes for the cache and the queues, removed again in close().
 */
export class TestContext {
  readonly database: string;
  readonly cachePrefix: string;
  readonly queuePrefix: string;
  readonly pg: Pool;
  readonly redis: Redis;
  api?: NestFastifyApplication;
  readonly workers: NestFastifyApplication[] = [];
  /** What the apps this spec runs in-process log: printed only when a test or hook of the file fails. */
  private readonly logs: string[] = [];
  /** The environment before this context changed it, restored by close(): the next context in the file starts clean. */
  private readonly envBefore = { ...process.env };

  private constructor(
    readonly name: string,
    overrides: Record<string, string>,
  ) {
    const tag = `${name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}`;
    this.database = `polaris_test_${tag}`;
    this.cachePrefix = `test:${tag}:item:`;
    this.queuePrefix = `{test-${tag}}`;
    Object.assign(process.env, FAST_DEFAULTS, {
      POSTGRES_URL: `${TEST_POSTGRES}/${this.database}`,
      REDIS_URL: TEST_REDIS,
      CACHE_KEY_PREFIX: this.cachePrefix,
      QUEUE_PREFIX: this.queuePrefix,
      ...overrides,
    });
    // Polaris's tables by their plain names, as its own sessions see them.
    this.pg = new Pool({
      connectionString: process.env.POSTGRES_URL,
      max: 4,
      options: sessionOptions({ schema: process.env.POLARIS_SCHEMA || 'polaris' }),
    });
    this.pg.on('error', () => undefined); // a client still ending when close() drops the database
    // The cache's Redis as the apps will reach it: one node, or the cluster of REDIS_CLUSTER_NODES.
    this.redis = createRedisClient(redisConfig().cache, {}) as Redis;
    this.redis.on('error', () => undefined); // failed commands say it; a cluster stopped before close() must not print
    setLogDestination({
      write: (line: string) => {
        if (this.logs.push(line) > MAX_HELD_LOG_LINES) this.logs.shift();
      },
    });
  }

  static async create(name: string, overrides: Record<string, string> = {}): Promise<TestContext> {
    const ctx = new TestContext(name, overrides);
    await ctx.dropDatabase();
    await migrate(databaseConfig());
    await ctx.clearRedis();
    return ctx;
  }

  /** Changes configuration for apps started from now on. */
  configure(vars: Record<string, string>): void {
    Object.assign(process.env, vars);
  }

  async startApi(): Promise<NestFastifyApplication> {
    // Imported lazily so each spec's environment is in place before the app's modules load.
    const { createApiApp } = await import('@apps/api');
    const app = await createApiApp();
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    this.api = app;
    return app;
  }

  /** Serves the running api on a free loopback port, for specs that need real sockets; returns its base URL. */
  async listenApi(): Promise<string> {
    if (!this.api) throw new Error('startApi() first');
    await this.api.listen(0, '127.0.0.1');
    return (await this.api.getUrl()).replace('[::1]', '127.0.0.1');
  }

  async startWorker(): Promise<NestFastifyApplication> {
    const { createWorkerApp } = await import('@apps/worker');
    const worker = await createWorkerApp();
    await worker.init();
    await worker.getHttpAdapter().getInstance().ready();
    this.workers.push(worker);
    return worker;
  }

  async stopWorker(worker: NestFastifyApplication): Promise<void> {
    await worker.close();
    this.workers.splice(this.workers.indexOf(worker), 1);
  }

  async http<T = any>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    if (!this.api) throw new Error('startApi() first');
    const res = await this.api.inject({
      method,
      url,
      headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
      payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    const isJson = String(res.headers['content-type'] ?? '').includes('json');
    return { status: res.statusCode, body: isJson && res.body ? JSON.parse(res.body) : res.body, headers: res.headers };
  }

  /** A counter summed over the running api and workers, by one label. */
  async counter(name: string, label: string): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const app of [this.api, ...this.workers]) {
      if (!app) continue;
      for (const [k, v] of Object.entries(sumBy(await app.get(MetricsService).snapshot(), name, label))) totals[k] = (totals[k] ?? 0) + v;
    }
    return totals;
  }

  /**
   * Waits until nothing is left to happen: the change logs (items' and sources') are relayed and both queues have no
   * waiting, delayed or active job. Specs call this before asserting that nothing more happens.
   */
  async settle(timeoutMs = 30_000): Promise<void> {
    await this.withQueues((queues) =>
      waitFor(async () => {
        const { rows } = await this.pg.query(`SELECT (SELECT count(*) FROM item_changes) + (SELECT count(*) FROM source_changes) AS n`);
        if (Number(rows[0].n) > 0) return false;
        for (const queue of queues) {
          const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
          if (Object.values(counts).some((n) => n > 0)) return false;
        }
        return true;
      }, timeoutMs),
    );
  }

  /** Jobs that ended in a queue's failed set, over both queues. */
  failedJobs(): Promise<number> {
    return this.withQueues(async (queues) => {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('failed')));
      return counts.reduce((n, c) => n + c.failed, 0);
    });
  }

  /** Both queues, connected as the apps connect to them (one node or a cluster), closed afterwards. */
  private async withQueues<T>(work: (queues: Queue[]) => Promise<T>): Promise<T> {
    const target = redisConfig().queue;
    const cluster = target.kind === 'cluster' ? createRedisClient(target, { maxRetriesPerRequest: null }) : undefined;
    const connection = cluster ?? redisOptionsFromUrl((target as { url: string }).url);
    const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection, prefix: this.queuePrefix }));
    try {
      return await work(queues);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
      cluster?.disconnect();
    }
  }

  /** Lifecycle transitions counted so far by the running api and workers (each counted where it is logged). */
  async transitions(): Promise<Record<string, number>> {
    return {
      detected: 0,
      cleared: 0,
      confirmed: 0,
      persistent: 0,
      resolved: 0,
      ...(await this.counter('polaris_lifecycle_transitions_total', 'transition')),
    };
  }

  async createItem(name = 'widget', value: unknown = { color: 'blue' }): Promise<{ id: string; version: number }> {
    const res = await this.http('POST', '/items', { name, value });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Open and resolved records straight from PostgreSQL. */
  async records(itemId?: string): Promise<any[]> {
    const { rows } = await this.pg.query(
      `SELECT * FROM inconsistencies ${itemId ? 'WHERE item_id = $1' : ''} ORDER BY first_detected_at`,
      itemId ? [itemId] : [],
    );
    return rows;
  }

  cacheKey(itemId: string): string {
    return this.cachePrefix + itemId;
  }

  async close(): Promise<void> {
    for (const w of [...this.workers]) await w.close().catch(() => undefined);
    await this.api?.close().catch(() => undefined);
    setLogDestination(undefined);
    if ((globalThis as { __polarisSpecFailed?: boolean }).__polarisSpecFailed && this.logs.length > 0) {
      process.stdout.write(
        `\n--- ${this.name}: what the apps logged (the spec failed) ---\n${this.logs.join('')}--- end of ${this.name}'s logs ---\n`,
      );
    }
    await this.pg.end();
    await this.clearRedis();
    await this.redis.quit();
    await this.dropDatabase();
    for (const name of Object.keys(process.env)) if (!(name in this.envBefore)) delete process.env[name];
    Object.assign(process.env, this.envBefore);
  }

  private async clearRedis(): Promise<void> {
    await removeKeys(this.redis, [this.cachePrefix, this.queuePrefix]);
  }

  private dropDatabase(): Promise<void> {
    return dropDatabase(TEST_POSTGRES, this.database);
  }
}
