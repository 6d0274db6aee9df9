import { TcpProxy, TEST_POSTGRES, TEST_REDIS, TestContext, sleep, waitFor } from '@app/testing';

/**
 * Faults lose no data and recover by themselves. The shared PostgreSQL and Redis are never touched:
 * the app under test reaches them through TCP proxies that a test cuts (connection refused),
 * freezes (connections open, nothing answered) and restores, on the same port, without restarting the app.
 */
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** Fails when `work` is not settled within `ms`: a generous bound that only catches a hang. */
async function noHang<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (hung)`)), ms);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function row(ctx: TestContext, id: string): Promise<{ version: number; name: string; value: unknown } | undefined> {
  return (await ctx.pg.query(`SELECT version, name, value FROM items WHERE id = $1`, [id])).rows[0];
}

async function cached(ctx: TestContext, id: string): Promise<{ version: number; value: unknown } | null> {
  const raw = await ctx.redis.get(ctx.cacheKey(id));
  return raw === null ? null : JSON.parse(raw);
}

async function healthy(ctx: TestContext): Promise<boolean> {
  return (await ctx.http('GET', '/health')).status === 200;
}

describe('Redis down (the api alone)', () => {
  let ctx: TestContext;
  let redis: TcpProxy;

  beforeAll(async () => {
    ctx = await TestContext.create('faults_redis', { REDIS_COMMAND_TIMEOUT_MS: '300', LOG_LEVEL: 'fatal' });
    redis = await TcpProxy.start(TEST_REDIS);
    ctx.configure({ REDIS_URL: redis.url(TEST_REDIS) }); // the api's cache and queue connections go through the proxy
    await ctx.startApi();
  });

  afterAll(async () => {
    await redis.restore();
    await ctx.close();
    await redis.close();
  });

  it('refused connections: reads fall back to PostgreSQL, writes commit, /health names redis; then recovers by itself', async () => {
    const a = await ctx.createItem('cached-then-updated', { v: 1 });
    const untouched = await ctx.createItem('cached-untouched', { v: 1 });
    const doomed = await ctx.createItem('deleted-during-outage', { v: 1 });
    for (const id of [a.id, a.id, untouched.id, untouched.id]) await ctx.http('GET', `/items/${id}`);
    expect((await ctx.http('GET', `/items/${a.id}`)).body.source).toBe('cache');

    await redis.cut();

    const read = await noHang(ctx.http('GET', `/items/${a.id}`), 5000, 'GET of a cached item');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ source: 'db', data: { id: a.id, version: 1, value: { v: 1 } } });

    const put = await noHang(ctx.http('PUT', `/items/${a.id}`, { value: { v: 2 }, expectedVersion: 1 }), 5000, 'PUT');
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({ id: a.id, version: 2, value: { v: 2 } });
    expect(await row(ctx, a.id)).toMatchObject({ version: 2, value: { v: 2 } });
    // Reads during the outage already see the committed write.
    expect((await ctx.http('GET', `/items/${a.id}`)).body).toMatchObject({ source: 'db', data: { version: 2, value: { v: 2 } } });

    const created = await noHang(ctx.http('POST', '/items', { name: 'created-during-outage', value: [1] }), 5000, 'POST');
    expect(created.status).toBe(201);
    expect(await row(ctx, created.body.id)).toMatchObject({ version: 1, value: [1] });

    expect((await noHang(ctx.http('DELETE', `/items/${doomed.id}`), 5000, 'DELETE')).status).toBe(204);
    expect(await row(ctx, doomed.id)).toBeUndefined();
    expect((await ctx.http('GET', `/items/${doomed.id}`)).status).toBe(404);

    expect((await ctx.http('GET', '/items?limit=500')).status).toBe(200);
    expect((await ctx.http('GET', '/items/inconsistencies/all')).status).toBe(200);

    const health = await noHang(ctx.http('GET', '/health'), 5000, '/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } }, info: { postgres: { status: 'up' } } });
    expect((await ctx.http('GET', '/health/live')).status).toBe(200);

    // Queueing a manual check needs the queue Redis: a clear 503, not a 500 and not a hang.
    const check = await noHang(ctx.http('POST', `/items/debug/check/${a.id}`), 10_000, 'manual check');
    expect(check.status).toBe(503);
    expect(check.body.message).toMatch(/Redis is unavailable/);

    await redis.restore();
    await waitFor(() => healthy(ctx), 20_000, 200);
    const after = await ctx.http('GET', '/health');
    expect(after.body.info).toMatchObject({ redis: { status: 'up' }, postgres: { status: 'up' } });

    // The entries the outage left stale (updated or deleted item) are gone: nothing old is served...
    await waitFor(async () => (await cached(ctx, a.id)) === null && (await cached(ctx, doomed.id)) === null, 5000);
    expect((await ctx.http('GET', `/items/${a.id}`)).body).toMatchObject({ source: 'db', data: { version: 2 } });
    expect((await ctx.http('GET', `/items/${doomed.id}`)).status).toBe(404);
    // ...and reads are served from the cache again, without a restart: an entry cached before the outage...
    expect((await ctx.http('GET', `/items/${untouched.id}`)).body).toMatchObject({ source: 'cache', data: { version: 1 } });
    // ...and an item created during it, filled on its first read.
    expect((await ctx.http('GET', `/items/${created.body.id}`)).body).toMatchObject({ source: 'db', data: { version: 1 } });
    expect((await ctx.http('GET', `/items/${created.body.id}`)).body).toMatchObject({ source: 'cache', data: { version: 1 } });
    // Writes reach the cache again.
    const put3 = await ctx.http('PUT', `/items/${created.body.id}`, { value: [1, 2] });
    expect(put3.status).toBe(200);
    expect(await cached(ctx, created.body.id)).toMatchObject({ version: 2, value: [1, 2] });
    // ...and so does the queue (BullMQ's own connection comes back on its own retry schedule).
    await waitFor(async () => (await ctx.http('POST', `/items/debug/check/${a.id}`)).status === 202, 10_000, 200);
  });

  it('a Redis that stops answering (REDIS_COMMAND_TIMEOUT_MS): no hang, writes commit; then recovers by itself', async () => {
    const e = await ctx.createItem('frozen', { v: 1 });
    await ctx.http('GET', `/items/${e.id}`);
    expect((await ctx.http('GET', `/items/${e.id}`)).body.source).toBe('cache');

    redis.freeze();

    const read = await noHang(ctx.http('GET', `/items/${e.id}`), 5000, 'GET with Redis frozen');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ source: 'db', data: { version: 1 } });

    const put = await noHang(ctx.http('PUT', `/items/${e.id}`, { value: { v: 2 } }), 5000, 'PUT with Redis frozen');
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({ version: 2, value: { v: 2 } });
    expect(await row(ctx, e.id)).toMatchObject({ version: 2, value: { v: 2 } });

    const health = await noHang(ctx.http('GET', '/health'), 5000, '/health with Redis frozen');
    expect(health.status).toBe(503);
    expect(health.body.error.redis.status).toBe('down');

    await redis.restore();
    await waitFor(() => healthy(ctx), 20_000, 200);
    // The held commands reach Redis late; the cache's compare-and-set keeps them from going backwards.
    const served = await waitFor(async () => {
      const res = await ctx.http('GET', `/items/${e.id}`);
      return res.body.source === 'cache' ? res.body : null;
    }, 10_000);
    expect(served.data).toMatchObject({ version: 2, value: { v: 2 } });
  });
});

describe('PostgreSQL down (the api alone)', () => {
  let ctx: TestContext;
  let pg: TcpProxy;

  beforeAll(async () => {
    ctx = await TestContext.create('faults_pg', { PG_CONNECT_TIMEOUT_MS: '500', PG_QUERY_TIMEOUT_MS: '1500', LOG_LEVEL: 'fatal' });
    pg = await TcpProxy.start(TEST_POSTGRES);
    // TypeORM connects at boot, so the api starts with the proxy up; ctx.pg keeps its direct connection.
    ctx.configure({ POSTGRES_URL: `${pg.url(TEST_POSTGRES)}/${ctx.database}` });
    await ctx.startApi();
  });

  afterAll(async () => {
    await pg.restore();
    await ctx.close();
    await pg.close();
  });

  it('refused connections: requests needing the database get a 503, cached reads still work; then recovers by itself', async () => {
    const a = await ctx.createItem('cached', { v: 1 });
    const b = await ctx.createItem('not-cached', { v: 1 });
    await ctx.http('GET', `/items/${a.id}`);
    const itemsBefore = (await ctx.pg.query(`SELECT count(*)::int AS n FROM items`)).rows[0].n;

    await pg.cut();

    const unavailable = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
      const res = await noHang(ctx.http(method, url, payload), 15_000, `${method} ${url}`);
      expect({ request: `${method} ${url}`, status: res.status }).toEqual({ request: `${method} ${url}`, status: 503 });
      expect(res.body).toMatchObject({ statusCode: 503, message: expect.stringMatching(/PostgreSQL is unavailable/) });
    };
    await unavailable('POST', '/items', { name: 'during-outage', value: 1 });
    await unavailable('GET', `/items/${b.id}`);
    await unavailable('GET', `/items/${UNKNOWN}`);
    await unavailable('PUT', `/items/${a.id}`, { value: { v: 2 } });
    await unavailable('DELETE', `/items/${a.id}`);
    await unavailable('GET', '/items');
    await unavailable('GET', '/items/inconsistencies/all');
    await unavailable('GET', '/items/inconsistencies/active');
    await unavailable('GET', `/inconsistencies/${UNKNOWN}`);

    // The cache keeps serving what it has, and the failed write did not touch it.
    expect((await ctx.http('GET', `/items/${a.id}`)).body).toMatchObject({ source: 'cache', data: { version: 1, value: { v: 1 } } });
    expect(await cached(ctx, a.id)).toMatchObject({ version: 1, value: { v: 1 } });

    const health = await noHang(ctx.http('GET', '/health'), 10_000, '/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'error', error: { postgres: { status: 'down' } }, info: { redis: { status: 'up' } } });
    expect((await ctx.http('GET', '/health/live')).status).toBe(200);

    // Nothing was written behind the 503s.
    expect((await ctx.pg.query(`SELECT count(*)::int AS n FROM items`)).rows[0].n).toBe(itemsBefore);
    expect(await row(ctx, a.id)).toMatchObject({ version: 1, value: { v: 1 } });

    await pg.restore();
    await waitFor(() => healthy(ctx), 20_000, 200);
    const created = await ctx.http('POST', '/items', { name: 'after-outage', value: 1 });
    expect(created.status).toBe(201);
    expect((await ctx.http('GET', `/items/${b.id}`)).status).toBe(200);
    const put = await ctx.http('PUT', `/items/${a.id}`, { value: { v: 2 }, expectedVersion: 1 });
    expect(put.status).toBe(200);
    expect(put.body.data.version).toBe(2);
    expect(await cached(ctx, a.id)).toMatchObject({ version: 2, value: { v: 2 } });
    expect((await ctx.http('GET', '/items?limit=500')).status).toBe(200);
  });

  it('a PostgreSQL that stops answering (PG_CONNECT_TIMEOUT_MS, PG_QUERY_TIMEOUT_MS): 503s, not a hang; then recovers', async () => {
    const a = await ctx.createItem('cached', { v: 1 });
    const b = await ctx.createItem('not-cached', { v: 1 });
    await ctx.http('GET', `/items/${a.id}`);

    pg.freeze();

    for (const [method, url, payload] of [
      ['GET', `/items/${b.id}`],
      ['POST', '/items', { name: 'frozen', value: 1 }],
      ['GET', '/items'],
    ] as const) {
      const res = await noHang(ctx.http(method, url, payload), 15_000, `${method} ${url} with PostgreSQL frozen`);
      expect({ request: `${method} ${url}`, status: res.status }).toEqual({ request: `${method} ${url}`, status: 503 });
    }
    expect((await ctx.http('GET', `/items/${a.id}`)).body).toMatchObject({ source: 'cache', data: { version: 1 } });
    const health = await noHang(ctx.http('GET', '/health'), 10_000, '/health with PostgreSQL frozen');
    expect(health.status).toBe(503);
    expect(health.body.error.postgres.status).toBe('down');

    await pg.restore();
    await waitFor(() => healthy(ctx), 20_000, 200);
    expect((await ctx.http('POST', '/items', { name: 'after-freeze', value: 1 })).status).toBe(201);
    expect((await ctx.http('GET', `/items/${b.id}`)).status).toBe(200);
  });
});

describe('worker: no check or confirmation is lost while Redis is briefly cut', () => {
  let ctx: TestContext;
  let apiRedis: TcpProxy;
  let workerRedis: TcpProxy;

  beforeAll(async () => {
    ctx = await TestContext.create('faults_worker', {
      HEAL_POLICY: 'refresh',
      GRACE_PERIOD_MS: '1000',
      POST_WRITE_CHECK_DELAY_MS: '700',
      RELAY_POLL_INTERVAL_MS: '200',
      REDIS_COMMAND_TIMEOUT_MS: '300',
      LOG_LEVEL: 'fatal',
    });
    apiRedis = await TcpProxy.start(TEST_REDIS);
    workerRedis = await TcpProxy.start(TEST_REDIS);
    ctx.configure({ REDIS_URL: apiRedis.url(TEST_REDIS) });
    await ctx.startApi();
    ctx.configure({ REDIS_URL: workerRedis.url(TEST_REDIS) });
    await ctx.startWorker();
  });

  afterAll(async () => {
    await apiRedis.restore();
    await workerRedis.restore();
    await ctx.close();
    await apiRedis.close();
    await workerRedis.close();
  });

  const resolvedRecord = (id: string, timeoutMs = 30_000) =>
    waitFor(async () => {
      const records = await ctx.records(id);
      return records.length === 1 && records[0].status === 'resolved' ? records[0] : null;
    }, timeoutMs);

  const servedFromCache = (id: string) =>
    waitFor(async () => {
      const res = await ctx.http('GET', `/items/${id}`);
      return res.status === 200 && res.body.source === 'cache' ? res.body.data : null;
    }, 20_000);

  it('writes the api could not cache are still checked: the stale entry and the orphan are confirmed and healed', async () => {
    const a = await ctx.createItem('stale-after-outage', { v: 1 });
    const b = await ctx.createItem('orphan-after-outage', { v: 1 });
    for (const id of [a.id, b.id]) await ctx.http('GET', `/items/${id}`);
    expect(await cached(ctx, a.id)).toMatchObject({ version: 1 });

    await apiRedis.cut(); // the api cannot reach Redis; the worker still can
    expect((await ctx.http('PUT', `/items/${a.id}`, { value: { v: 2 } })).status).toBe(200);
    expect((await ctx.http('DELETE', `/items/${b.id}`)).status).toBe(204);
    expect(await cached(ctx, a.id)).toMatchObject({ version: 1 }); // left behind: now stale
    expect(await cached(ctx, b.id)).not.toBeNull(); // left behind: now an orphan

    const stale = await resolvedRecord(a.id);
    expect(stale).toMatchObject({ kind: 'stale', cache_version: 1, db_version: 2, detected_by: 'write', resolution: 'auto_healed' });
    const orphan = await resolvedRecord(b.id);
    expect(orphan).toMatchObject({ kind: 'orphan', cache_version: 1, db_version: null, detected_by: 'write', resolution: 'auto_healed' });
    expect(await cached(ctx, a.id)).toMatchObject({ version: 2, value: { v: 2 } });
    expect(await cached(ctx, b.id)).toBeNull();

    await apiRedis.restore();
    await waitFor(() => healthy(ctx), 20_000, 200);
    expect(await servedFromCache(a.id)).toMatchObject({ version: 2, value: { v: 2 } });
    expect((await ctx.http('GET', `/items/${b.id}`)).status).toBe(404);
  });

  it('a confirmation that falls due while Redis is cut for everyone runs once Redis is back, exactly once', async () => {
    const c = await ctx.createItem('pending-during-outage', { v: 1 });
    await ctx.http('GET', `/items/${c.id}`);
    expect(await cached(ctx, c.id)).toMatchObject({ version: 1 });
    const before = await ctx.transitions();

    // An out-of-band change: PostgreSQL moves to version 2, the cache keeps version 1.
    await ctx.pg.query(`UPDATE items SET value = '{"v": "oob"}', version = version + 1, updated_at = now() WHERE id = $1`, [c.id]);
    await waitFor(async () => (await ctx.transitions()).detected > before.detected, 15_000);

    // The grace period (1 s) runs out while neither the api nor the worker can reach Redis.
    await Promise.all([apiRedis.cut(), workerRedis.cut()]);
    await sleep(2500);
    expect(await ctx.records(c.id)).toEqual([]);
    await Promise.all([apiRedis.restore(), workerRedis.restore()]);

    const record = await resolvedRecord(c.id, 45_000);
    expect(record).toMatchObject({ kind: 'stale', cache_version: 1, db_version: 2, detected_by: 'change', resolution: 'auto_healed' });
    expect(record.confirmed_at.getTime() - record.first_detected_at.getTime()).toBeGreaterThanOrEqual(990);
    expect(await servedFromCache(c.id)).toMatchObject({ version: 2, value: { v: 'oob' } });
    await sleep(1500); // stragglers (the post-change check, retried jobs) must not open a second record
    expect(await ctx.records(c.id)).toHaveLength(1);
    const after = await ctx.transitions();
    expect(after.confirmed - before.confirmed).toBe(1);
  });

  it('a write made while Redis is cut for everyone stays in the change log until it is relayed; nothing stale survives', async () => {
    const d = await ctx.createItem('written-during-outage', { v: 1 });
    await ctx.http('GET', `/items/${d.id}`);
    expect(await cached(ctx, d.id)).toMatchObject({ version: 1 });

    await Promise.all([apiRedis.cut(), workerRedis.cut()]);
    const put = await noHang(ctx.http('PUT', `/items/${d.id}`, { value: { v: 2 } }), 5000, 'PUT with Redis cut');
    expect(put.status).toBe(200);
    expect(await row(ctx, d.id)).toMatchObject({ version: 2 });

    const change = async () => (await ctx.pg.query(`SELECT op FROM item_changes WHERE item_id = $1 AND op = 'update'`, [d.id])).rows;
    await sleep(1500); // several relay polls, none able to queue the checks
    expect(await change()).toEqual([{ op: 'update' }]); // still in the log: not relayed while its checks could not be queued

    await Promise.all([apiRedis.restore(), workerRedis.restore()]);
    await waitFor(async () => (await change()).length === 0, 30_000);
    // Back online, the api deletes the entry its failed write left stale, and the relayed checks see
    // to the rest: whichever comes first, the stale version is never served again and nothing stays open.
    expect(await servedFromCache(d.id)).toMatchObject({ version: 2, value: { v: 2 } });
    await sleep(2500); // past the post-write check and any grace period it started
    const records = await ctx.records(d.id);
    expect(records.filter((r) => r.status !== 'resolved')).toEqual([]);
  });
});
