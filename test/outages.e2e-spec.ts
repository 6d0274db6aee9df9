import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { redisOptionsFromUrl } from '@app/cache';
import { sessionOptions } from '@app/database';
import { AppProcess, freePort, PostgresServer, RedisServer, sleep, spawnApp, waitFor } from '@app/testing';

/**
 * The fault suite: Redis down 20 s and PostgreSQL down 30 s under write load, then the api and the
 * worker killed (SIGKILL) under write load. Private PostgreSQL and Redis servers that this spec
 * starts, stops and restarts on the same ports (the shared ones are never touched); the api and the
 * worker run as real processes. Through every fault: no acknowledged write is lost, every committed
 * write is checked (change log relayed, queues drained, nothing failed, a post-write check per write),
 * nothing is confirmed that was not real, /health and /metrics answer within a second (503 naming
 * the dependency that is down), logs speak once per change of state, and work resumes within 3 s
 * of recovery.
 */
const WRITERS = 4;
const ITEMS_PER_WRITER = 5;
const WRITE_PAUSE_MS = 10;
const GRACE_MS = 1500;
const RESUME_WITHIN_MS = 3000;
const PROBE_TIMEOUT_MS = 1000;
const QUEUE_PREFIX = '{polaris}';

interface Ack {
  version: number;
  n: number;
}

/** Writers updating their own items in a loop, remembering what the api acknowledged. */
class WriteLoad {
  readonly acked = new Map<string, Ack>();
  /** Items whose last write got no answer: it may or may not have committed. */
  readonly unknown = new Set<string>();
  /** Items with a request on the wire when the api died (not merely refused). */
  readonly cutOff = new Set<string>();
  readonly successes: number[] = [];
  readonly unexpected: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private n = 0;

  constructor(
    private readonly base: () => string,
    readonly items: string[][],
  ) {}

  start(): void {
    this.running = true;
    this.loops = this.items.map(async (mine) => {
      for (let i = 0; this.running; i++) {
        await this.write(mine[i % mine.length]);
        await sleep(WRITE_PAUSE_MS);
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  firstSuccessAfter(t: number): number | undefined {
    return this.successes.find((s) => s >= t);
  }

  private async write(id: string): Promise<void> {
    const n = ++this.n;
    try {
      const res = await fetch(`${this.base()}/items/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: { n } }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as { data?: { version: number } };
      if (res.status === 200) {
        this.acked.set(id, { version: body.data!.version, n });
        this.unknown.delete(id);
        this.successes.push(Date.now());
      } else if (res.status === 503) this.unknown.add(id);
      else this.unexpected.push(`${res.status} ${JSON.stringify(body)}`);
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') return; // never sent: nothing can have committed
      this.unknown.add(id);
      this.cutOff.add(id);
      await sleep(100);
    }
  }
}

/** Sums a counter's samples in Prometheus text, over the series whose labels include `labels`. */
function counter(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('outages and kills under write load: nothing lost, nothing unchecked, nothing falsely confirmed', () => {
  let pg: PostgresServer;
  let redis: RedisServer;
  let db: Pool;
  let api: AppProcess;
  let worker: AppProcess;
  let apiBase: string;
  let workerBase: string;
  let env: Record<string, string>;
  let load: WriteLoad;
  const queues: Queue[] = [];

  const spawn = async (app: 'api' | 'worker'): Promise<AppProcess> => {
    const proc = spawnApp(app, env);
    const base = app === 'api' ? apiBase : workerBase;
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 90_000, 100).catch((err: Error) => {
      throw new Error(`${app} did not become ready: ${err.message}\n${proc.output().slice(-3000)}`);
    });
    return proc;
  };

  const probe = async (url: string): Promise<string> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      const text = await res.text();
      if (!url.endsWith('/health')) return String(res.status);
      const down = Object.keys((JSON.parse(text) as { error?: object }).error ?? {});
      return `${res.status}${down.length ? ` ${down.sort().join(',')}` : ''}`;
    } catch (err) {
      return `no answer within ${PROBE_TIMEOUT_MS} ms: ${(err as Error).message}`;
    }
  };

  /** Probes the worker's /health and /metrics and the api's /health every 500 ms until stopped. */
  const probing = () => {
    const answers: Record<string, Set<string>> = { worker: new Set(), metrics: new Set(), api: new Set() };
    let on = true;
    const loop = (async () => {
      while (on) {
        const [w, m, a] = await Promise.all([probe(`${workerBase}/health`), probe(`${workerBase}/metrics`), probe(`${apiBase}/health`)]);
        answers.worker.add(w);
        answers.metrics.add(m);
        answers.api.add(a);
        await sleep(500);
      }
    })();
    return async () => {
      on = false;
      await loop;
      return Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, [...v].sort()]));
    };
  };

  const workerMetrics = async () => (await fetch(`${workerBase}/metrics`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })).text();

  /** How long after `since` the worker relayed a change and completed a check beyond what it had done by then. */
  const resumedAfter = async (since: number, before: string): Promise<number> => {
    const relayed = counter(before, 'polaris_changes_relayed_total');
    const checked = counter(before, 'polaris_checks_total');
    await waitFor(
      async () => {
        const now = await workerMetrics().catch(() => '');
        return counter(now, 'polaris_changes_relayed_total') > relayed && counter(now, 'polaris_checks_total') > checked;
      },
      30_000,
      50,
    );
    return Date.now() - since;
  };

  const rows = async () => new Map((await db.query(`SELECT id, version, value FROM items`)).rows.map((r) => [r.id as string, r]));
  const committedUpdates = async () => (await db.query(`SELECT coalesce(sum(version - 1), 0)::int AS n FROM items`)).rows[0].n as number;

  /** The change log relayed and both queues without waiting, delayed or active jobs. */
  const settle = () =>
    waitFor(
      async () => {
        if ((await db.query(`SELECT count(*)::int AS n FROM item_changes`)).rows[0].n > 0) return false;
        for (const q of queues)
          if (Object.values(await q.getJobCounts('waiting', 'delayed', 'active', 'prioritized')).some((n) => n > 0)) return false;
        return true;
      },
      90_000,
      250,
    );

  /** What every fault must leave behind: no acknowledged write lost, every write checked, no false record. */
  const expectNothingLost = async (allowedRecords: ReadonlySet<string> = new Set()) => {
    await settle();
    const now = await rows();
    const lost: string[] = [];
    for (const [id, ack] of load.acked) {
      const row = now.get(id)!;
      const exact = row.version === ack.version && row.value.n === ack.n;
      if (load.unknown.has(id) ? row.version < ack.version : !exact)
        lost.push(`${id}: acked ${JSON.stringify(ack)}, row ${JSON.stringify(row)}`);
    }
    expect(lost).toEqual([]);
    expect(load.unexpected).toEqual([]);
    for (const q of queues) expect({ queue: q.name, failed: await q.getFailedCount() }).toEqual({ queue: q.name, failed: 0 });
    const records = (await db.query(`SELECT item_id, kind, cache_version, db_version FROM inconsistencies`)).rows;
    expect(records.filter((r) => !allowedRecords.has(r.item_id))).toEqual([]);
  };

  const logLines = (proc: AppProcess, from: number) =>
    proc
      .output()
      .slice(from)
      .split('\n')
      .filter((l) => l.startsWith('{'));

  beforeAll(async () => {
    [pg, redis] = await Promise.all([PostgresServer.start(), RedisServer.start({ persistent: true })]);
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    apiBase = `http://127.0.0.1:${apiPort}`;
    workerBase = `http://127.0.0.1:${workerPort}`;
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      WORKER_HTTP_PORT: String(workerPort),
      POSTGRES_URL: `${pg.url}/polaris_outages`,
      REDIS_URL: redis.url,
      QUEUE_PREFIX,
      GRACE_PERIOD_MS: String(GRACE_MS),
      IMMEDIATE_CHECK_DELAY_MS: '50',
      POST_WRITE_CHECK_DELAY_MS: '700',
      RELAY_POLL_INTERVAL_MS: '250',
      SWEEP_ENABLED: 'false',
      FAILURE_MODE: 'none',
      REDIS_COMMAND_TIMEOUT_MS: '500',
      PG_CONNECT_TIMEOUT_MS: '1000',
      PG_QUERY_TIMEOUT_MS: '3000',
    };
    const migrate = spawnApp('worker', env, ['migrate']);
    const [code] = await migrate.exited;
    if (code !== 0) throw new Error(`migrate failed: ${migrate.output()}`);
    [api, worker] = await Promise.all([spawn('api'), spawn('worker')]);
    db = new Pool({ connectionString: env.POSTGRES_URL, max: 2, options: sessionOptions({ schema: 'polaris' }) });
    db.on('error', () => undefined); // the server is restarted under it
    const connection = redisOptionsFromUrl(redis.url);
    for (const name of ['checks', 'confirmations'])
      queues.push(new Queue(name, { connection: { ...connection, retryStrategy: () => 200 }, prefix: QUEUE_PREFIX }));
    for (const q of queues) q.on('error', () => undefined);

    const items: string[][] = [];
    for (let w = 0; w < WRITERS; w++) {
      const mine: string[] = [];
      for (let i = 0; i < ITEMS_PER_WRITER; i++) {
        const res = await fetch(`${apiBase}/items`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `w${w}i${i}`, value: { n: 0 } }),
        });
        const id = ((await res.json()) as { id: string }).id;
        await fetch(`${apiBase}/items/${id}`); // cached, so the checks compare real entries
        mine.push(id);
      }
      items.push(mine);
    }
    load = new WriteLoad(() => apiBase, items);
  }, 180_000);

  afterAll(async () => {
    await load?.stop();
    for (const p of [api, worker]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    await db?.end().catch(() => undefined);
    await redis?.stop();
    await pg?.destroy();
  });

  /**
   * Runs a fault under write load. The fault returns when it recovered and how long the worker then
   * took to resume; this adds what the load and the worker's counters show.
   */
  async function underLoad(fault: () => Promise<{ recoveredAt: number; resumedMs: number }>) {
    const updatesBefore = await committedUpdates();
    const metricsBefore = await workerMetrics();
    load.start();
    await sleep(2000);
    const { recoveredAt, resumedMs } = await fault();
    await sleep(RESUME_WITHIN_MS);
    await load.stop();
    await settle();
    const metricsAfter = await workerMetrics();
    const apiResumed = load.firstSuccessAfter(recoveredAt);
    return {
      updates: (await committedUpdates()) - updatesBefore,
      postWrite:
        counter(metricsAfter, 'polaris_checks_total', { trigger: 'post-write' }) -
        counter(metricsBefore, 'polaris_checks_total', { trigger: 'post-write' }),
      writeChecks:
        counter(metricsAfter, 'polaris_checks_total', { trigger: 'write' }) -
        counter(metricsBefore, 'polaris_checks_total', { trigger: 'write' }),
      resumedMs,
      apiResumedMs: apiResumed === undefined ? Infinity : apiResumed - recoveredAt,
    };
  }

  it('Redis down for 20 s: writes commit, checks wait, everything is checked once Redis is back', async () => {
    const workerFrom = worker.output().length;
    const apiFrom = api.output().length;
    let probes: Record<string, string[]> = {};
    let metricsDuring = '';
    const result = await underLoad(async () => {
      await redis.down();
      const stopProbing = probing();
      await sleep(20_000);
      metricsDuring = await workerMetrics();
      await redis.up();
      const recoveredAt = Date.now();
      probes = await stopProbing();
      return { recoveredAt, resumedMs: await resumedAfter(recoveredAt, metricsDuring) };
    });
    console.log('Redis down 20 s:', JSON.stringify({ ...result, probes }));

    expect(probes.worker.every((a) => a === '503 redis' || a === '200')).toBe(true);
    expect(probes.worker).toContain('503 redis');
    expect(probes.api).toContain('503 redis');
    expect(probes.metrics).toEqual(['200']);
    // /metrics says what /health says: PolarisHealthCheckFailing alerts on it.
    expect(metricsDuring).toContain('polaris_health_check_up{check="redis"} 0');
    expect(result.resumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
    expect(result.apiResumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
    expect(result.updates).toBeGreaterThan(100);
    expect(result.postWrite).toBeGreaterThanOrEqual(result.updates);
    expect(result.writeChecks).toBeGreaterThan(0);
    await expectNothingLost();

    // Logged once per change of state, not per retry, reconnect or probe; never a stack trace.
    const warnings = logLines(worker, workerFrom).filter((l) => /"level":(40|50|60)/.test(l));
    expect(warnings.length).toBeLessThanOrEqual(15);
    expect(worker.output().slice(workerFrom)).not.toMatch(/\n\s+at /);
    expect(logLines(api, apiFrom).filter((l) => l.includes('"url":"/health"'))).toEqual([]);
    expect(logLines(api, apiFrom).filter((l) => l.includes('"event":"health.down"'))).toHaveLength(1);
  }, 240_000);

  it('PostgreSQL down for 30 s: writes are refused (503), pending checks wait, none ends in the failed set', async () => {
    const workerFrom = worker.output().length;
    let probes: Record<string, string[]> = {};
    let metricsDuring = '';
    const result = await underLoad(async () => {
      await pg.down();
      const stopProbing = probing();
      await sleep(30_000);
      metricsDuring = await workerMetrics();
      await pg.up();
      const recoveredAt = Date.now();
      probes = await stopProbing();
      return { recoveredAt, resumedMs: await resumedAfter(recoveredAt, metricsDuring) };
    });
    console.log('PostgreSQL down 30 s:', JSON.stringify({ ...result, probes }));

    // The worker's readiness is 503 (never 500) naming postgres; its progress indicators read PostgreSQL too.
    expect(probes.worker.filter((a) => a !== '200').every((a) => a.startsWith('503 ') && a.includes('postgres'))).toBe(true);
    expect(probes.worker.some((a) => a.startsWith('503 '))).toBe(true);
    expect(probes.api).toContain('503 postgres');
    expect(probes.metrics).toEqual(['200']);
    expect(metricsDuring).toContain('polaris_health_check_up{check="postgres"} 0');
    expect(result.resumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
    expect(result.apiResumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
    expect(result.postWrite).toBeGreaterThanOrEqual(result.updates);
    await expectNothingLost();

    const warnings = logLines(worker, workerFrom).filter((l) => /"level":(40|50|60)/.test(l));
    expect(warnings.length).toBeLessThanOrEqual(15);
    expect(worker.output().slice(workerFrom)).not.toMatch(/\n\s+at /);
  }, 240_000);

  it('the api killed (SIGKILL) mid-write: nothing acknowledged is lost, only writes it was cut off in can be confirmed', async () => {
    load.cutOff.clear();
    const result = await underLoad(async () => {
      api.child.kill('SIGKILL');
      await api.exited;
      await sleep(1000);
      api = await spawn('api');
      return { recoveredAt: Date.now(), resumedMs: 0 }; // the worker never stopped
    });
    console.log('api SIGKILL:', JSON.stringify({ ...result, cutOff: load.cutOff.size }));
    expect(result.apiResumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
    expect(result.postWrite).toBeGreaterThanOrEqual(result.updates);
    await expectNothingLost(load.cutOff);
  }, 240_000);

  it('the worker killed (SIGKILL) mid-load: its jobs run again, the backlog is relayed, nothing fails', async () => {
    const result = await underLoad(async () => {
      worker.child.kill('SIGKILL');
      await worker.exited;
      await sleep(2000);
      worker = await spawn('worker');
      const recoveredAt = Date.now();
      return { recoveredAt, resumedMs: await resumedAfter(recoveredAt, '') };
    });
    // The counters are the new process's own, so only the structural checks below speak for the old one's jobs.
    console.log('worker SIGKILL:', JSON.stringify({ updates: result.updates, resumedMs: result.resumedMs }));
    expect(result.resumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
    await expectNothingLost(load.cutOff);
  }, 240_000);
});
