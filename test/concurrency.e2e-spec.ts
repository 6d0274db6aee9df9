import { ItemCache } from '@app/items';
import { TestContext, waitFor } from '@app/testing';

describe('concurrency', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('concurrency', { SWEEP_ENABLED: 'true', SWEEP_INTERVAL_MS: '100' });
    await ctx.startApi();
    await ctx.startWorker();
  });

  afterAll(() => ctx.close());

  it('raises no false confirmation under 20 concurrent writers on one item', async () => {
    const { id } = await ctx.createItem('hot', { n: 0 });
    await ctx.http('GET', `/items/${id}`);
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, w) => ctx.http('PUT', `/items/${id}`, { value: { round, writer: w } })),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
    }
    const { rows } = await ctx.pg.query(`SELECT version FROM items WHERE id = $1`, [id]);
    expect(rows[0].version).toBe(1 + rounds * 20);

    // wait past every post-write check and grace period, with the sweeper running too
    await ctx.settle();
    const cached = JSON.parse((await ctx.redis.get(ctx.cacheKey(id)))!);
    expect(cached.version).toBe(1 + rounds * 20);
    expect(await ctx.records(id)).toEqual([]);
    const t = await ctx.transitions();
    expect(t.confirmed).toBe(0);
    // every transient mismatch that was detected ended exactly once, as cleared
    expect(t.cleared).toBe(t.detected);
  });

  it('blocks the read-through race: a slow fill cannot put an old version over a newer one', async () => {
    const cache = ctx.api!.get(ItemCache);
    const { id } = await ctx.createItem('race', { v: 1 });
    const fill = cache.write.bind(cache);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Hold the read-through fill after it has loaded version 1 from PostgreSQL ...
    const spy = jest.spyOn(cache, 'write').mockImplementationOnce(async (item) => {
      await gate;
      return fill(item);
    });
    const slowRead = ctx.http('GET', `/items/${id}`);
    await waitFor(async () => spy.mock.calls.length === 1);
    expect(spy.mock.calls[0][0].version).toBe(1);

    // ... while a writer commits version 2 and caches it ...
    expect((await ctx.http('PUT', `/items/${id}`, { value: { v: 2 } })).status).toBe(200);
    expect(JSON.parse((await ctx.redis.get(ctx.cacheKey(id)))!).version).toBe(2);

    // ... then let the slow fill arrive: the compare-and-set refuses version 1.
    release();
    const read = await slowRead;
    expect(read.body).toMatchObject({ source: 'db', data: { version: 1 } });
    await expect(spy.mock.results[0].value).resolves.toBe(false);
    expect(JSON.parse((await ctx.redis.get(ctx.cacheKey(id)))!)).toMatchObject({ version: 2, value: { v: 2 } });
    spy.mockRestore();

    // Equal versions are written, and so is anything over an unreadable entry.
    await ctx.redis.set(ctx.cacheKey(id), 'not json');
    expect(await cache.write({ ...read.body.data, version: 2, value: { v: 2 } })).toBe(true);
    expect(await cache.write({ ...read.body.data, version: 2, value: { v: 2 } })).toBe(true);

    await ctx.settle();
    expect(await ctx.records(id)).toEqual([]);
  });

  it('applies the cache TTL to every write', async () => {
    const { id } = await ctx.createItem('ttl', 1);
    await ctx.http('GET', `/items/${id}`);
    const ttl = await ctx.redis.ttl(ctx.cacheKey(id));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('treats a missing key as a miss, never an inconsistency', async () => {
    const { id } = await ctx.createItem('miss', 1);
    await ctx.http('GET', `/items/${id}`);
    await ctx.redis.del(ctx.cacheKey(id));
    await ctx.http('POST', `/items/debug/check/${id}`);
    await ctx.settle();
    expect(await ctx.records(id)).toEqual([]);
    await waitFor(async () => (await ctx.http('GET', `/items/${id}`)).body.source === 'db');
  });
});
