import { TestContext, waitFor } from '@app/testing';

/** The seed's demo: POST, GET twice, PUT under FAILURE_MODE=delay, wait, active list shows it, refresh, list is empty. */
describe('demo flow (FAILURE_MODE=delay)', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('demo', { FAILURE_MODE: 'delay', FAILURE_DELAY_MS: '200' });
    await ctx.startApi();
    await ctx.startWorker();
  });

  afterAll(() => ctx.close());

  it('confirms the delayed stale overwrite once, and refresh resolves it', async () => {
    const created = await ctx.http('POST', '/items', { name: 'widget', value: { color: 'blue' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'widget', value: { color: 'blue' }, version: 1 });
    const id = created.body.id;

    expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'db', data: { version: 1 } });
    expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'cache', data: { version: 1 } });

    const updated = await ctx.http('PUT', `/items/${id}`, { value: { color: 'red' } });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ version: 2, value: { color: 'red' } });

    // The stale overwrite lands after 200 ms; the post-write check (700 ms) detects it; 400 ms later it is confirmed.
    const active = await waitFor(async () => {
      const res = await ctx.http('GET', '/items/inconsistencies/active');
      return res.body.length === 1 ? res.body : null;
    });
    expect(active[0]).toMatchObject({
      key: ctx.cacheKey(id),
      itemId: id,
      kind: 'stale',
      status: 'confirmed',
      resolved: false,
      cacheVersion: 1,
      dbVersion: 2,
      cacheValue: { color: 'blue' },
      dbValue: { color: 'red' },
      detectedBy: 'write',
      count: 1,
    });
    expect(typeof active[0].durationMs).toBe('number');

    const one = await ctx.http('GET', `/inconsistencies/${active[0].id}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(active[0].id);

    const refreshed = await ctx.http('POST', `/items/debug/refresh/${id}`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ data: { id, version: 2 }, resolved: 1 });
    expect((await ctx.http('GET', '/items/inconsistencies/active')).body).toEqual([]);

    const all = (await ctx.http('GET', '/items/inconsistencies/all')).body;
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ resolved: true, status: 'resolved', resolution: 'refreshed' });
    expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'cache', data: { version: 2 } });

    await ctx.settle(); // let any straggling check run: nothing more may happen
    const t = await ctx.transitions();
    expect(t).toMatchObject({ detected: 1, confirmed: 1, resolved: 1, cleared: 0 });

    const summary = (await ctx.http('GET', '/metrics/summary')).body;
    expect(summary).toMatchObject({
      cacheHits: 2,
      cacheMisses: 1,
      activeInconsistencies: 0,
      resolvedInconsistencies: 1,
      totalInconsistencies: 1,
    });
    expect(summary.avgResolutionTime).toBeGreaterThan(0);
  });
});
