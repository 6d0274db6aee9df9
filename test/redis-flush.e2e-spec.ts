import { RedisServer, TestContext, waitFor } from '@app/testing';

/**
 * A Redis restart or FLUSHALL wipes the cache and BullMQ's state at once. It must produce no false
 * inconsistencies, the sweeper and the relay must keep working, and reads must refill the cache.
 * This spec runs its own redis-server, so flushing it disturbs nobody.
 */
describe('Redis FLUSHALL', () => {
  let redis: RedisServer;
  let ctx: TestContext;

  beforeAll(async () => {
    redis = await RedisServer.start();
    ctx = await TestContext.create('flush', {
      REDIS_URL: redis.url,
      SWEEP_ENABLED: 'true',
      SWEEP_INTERVAL_MS: '200',
      FAILURE_MODE: 'skip',
      GRACE_PERIOD_MS: '1500',
    });
    await ctx.startApi();
    await ctx.startWorker();
  });

  afterAll(async () => {
    await ctx.close();
    await redis.stop();
  });

  it('raises no false inconsistency and keeps guarding afterwards', async () => {
    // Before: cached items, one confirmed inconsistency, one detection still in its grace period.
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { id } = await ctx.createItem(`f${i}`, { i });
      await ctx.http('GET', `/items/${id}`);
      ids.push(id);
    }
    await ctx.http('PUT', `/items/${ids[0]}`, { value: 'confirmed before the flush' });
    await waitFor(async () => (await ctx.records(ids[0])).length === 1);
    await ctx.http('PUT', `/items/${ids[1]}`, { value: 'pending during the flush' });
    await waitFor(async () => (await ctx.transitions()).detected === 2);

    await ctx.redis.flushall();
    const confirmedAtFlush = (await ctx.transitions()).confirmed;

    // No false inconsistencies: an empty cache is all misses; the open record heals as the entry is gone.
    const [healed] = await waitFor(async () => {
      const r = await ctx.records(ids[0]);
      return r[0].status === 'resolved' ? r : null;
    });
    expect(healed.resolution).toBe('self_healed');
    await ctx.settle(); // the lost grace period, and whatever the sweeps queued
    expect((await ctx.transitions()).confirmed).toBe(confirmedAtFlush);
    expect(await ctx.records(ids[1])).toEqual([]);

    // Reads refill the cache.
    expect((await ctx.http('GET', `/items/${ids[2]}`)).body.source).toBe('db');
    expect((await ctx.http('GET', `/items/${ids[2]}`)).body.source).toBe('cache');

    // The relay still works: an out-of-band change to a refilled entry is relayed, checked and
    // recorded. The 200 ms sweeper may see the stale entry first, so the relay is proven by its check.
    await ctx.pg.query(`UPDATE items SET version = version + 1 WHERE id = $1`, [ids[2]]);
    await waitFor(async () => (await ctx.counter('polaris_checks_total', 'trigger')).change >= 1);
    const [viaRelay] = await waitFor(async () => {
      const r = await ctx.records(ids[2]);
      return r.length ? r : null;
    });
    expect(viaRelay.kind).toBe('stale');
    expect(['change', 'sweep']).toContain(viaRelay.detected_by);

    // The sweeper still works: a corrupt entry written straight into Redis is found.
    const { id: swept } = await ctx.createItem('swept', 1);
    await ctx.http('GET', `/items/${swept}`);
    const entry = JSON.parse((await ctx.redis.get(ctx.cacheKey(swept)))!);
    await ctx.redis.set(ctx.cacheKey(swept), JSON.stringify({ ...entry, value: 2 }));
    const [viaSweep] = await waitFor(async () => {
      const r = await ctx.records(swept);
      return r.length ? r : null;
    });
    expect(viaSweep).toMatchObject({ kind: 'corrupt', detected_by: 'sweep' });
  });
});
