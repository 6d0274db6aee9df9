import { TestContext, waitFor } from '@app/testing';

/** Failure modes against the lifecycle: blips are never confirmed, skipped writes are, and records heal. */
describe('lifecycle', () => {
  // A blip is repaired at a quarter of the grace period; 1600 ms leaves its 400 ms stale window
  // wide enough for the immediate check to observe it even on a loaded CI machine.
  const GRACE_MS = 1600;
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('lifecycle', { GRACE_PERIOD_MS: String(GRACE_MS) });
    await ctx.startWorker();
  });

  afterAll(() => ctx.close());

  async function restartApi(failureMode: string): Promise<void> {
    await ctx.api?.close();
    ctx.configure({ FAILURE_MODE: failureMode });
    await ctx.startApi();
  }

  /** Creates an item and reads it twice, so the cache holds version 1. */
  async function cachedItem(): Promise<string> {
    const { id } = await ctx.createItem();
    await ctx.http('GET', `/items/${id}`);
    expect((await ctx.http('GET', `/items/${id}`)).body.source).toBe('cache');
    return id;
  }

  it('never confirms a blip repaired inside the grace period, but does detect and clear it', async () => {
    await restartApi('blip');
    const before = await ctx.transitions();
    const id = await cachedItem();
    expect((await ctx.http('PUT', `/items/${id}`, { value: { color: 'green' } })).status).toBe(200);

    // detected by the immediate check, then cleared (by the confirmation or a later check)
    await waitFor(async () => (await ctx.transitions()).cleared > before.cleared);
    await ctx.settle(); // past the post-write check and any grace period it could start
    const after = await ctx.transitions();
    expect(after.detected - before.detected).toBe(1);
    expect(after.cleared - before.cleared).toBe(1);
    expect(after.confirmed).toBe(before.confirmed);
    expect(await ctx.records(id)).toEqual([]);
    expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'cache', data: { version: 2 } });
  });

  it('confirms a dropped cache write (skip), then counts repeats silently and marks it persistent once', async () => {
    await restartApi('skip');
    const before = await ctx.transitions();
    const id = await cachedItem();
    await ctx.http('PUT', `/items/${id}`, { value: { color: 'red' } });

    const [record] = await waitFor(async () => {
      const rows = await ctx.records(id);
      return rows.length === 1 ? rows : null;
    });
    expect(record).toMatchObject({ status: 'confirmed', kind: 'stale', db_version: 2, cache_version: 1, detected_by: 'write', count: 1 });
    expect(record.confirmed_at.getTime() - record.first_detected_at.getTime()).toBeGreaterThanOrEqual(GRACE_MS - 10);

    // Repeat checks: the first moves it to persistent, later ones only count.
    // (Checks of one item that land in the same batch are one observation, so wait for each.)
    for (let i = 0; i < 3; i++) {
      const { count } = (await ctx.records(id))[0];
      await ctx.http('POST', `/items/debug/check/${id}`);
      await waitFor(async () => (await ctx.records(id))[0].count > count);
    }
    const persistent = (await ctx.records(id))[0];
    expect(persistent.status).toBe('persistent');
    expect(persistent.count).toBeGreaterThanOrEqual(4);

    const after = await ctx.transitions();
    expect(after.detected - before.detected).toBe(1);
    expect(after.confirmed - before.confirmed).toBe(1);
    expect(after.persistent - before.persistent).toBe(1);

    // The cache is fixed by a later write; the next check resolves the record as self-healed.
    await restartApi('none');
    await ctx.http('PUT', `/items/${id}`, { value: { color: 'blue' } });
    const [resolved] = await waitFor(async () => {
      const rows = await ctx.records(id);
      return rows[0].status === 'resolved' ? rows : null;
    });
    expect(resolved).toMatchObject({ resolution: 'self_healed' });
    expect(resolved.resolved_at).toBeInstanceOf(Date);
    expect((await ctx.transitions()).resolved - before.resolved).toBe(1);
  });

  it('resolves an open record as item_deleted when the item is deleted', async () => {
    await restartApi('skip');
    const id = await cachedItem();
    await ctx.http('PUT', `/items/${id}`, { value: 3 });
    await waitFor(async () => (await ctx.records(id)).length === 1);
    expect((await ctx.http('DELETE', `/items/${id}`)).status).toBe(204);
    const [record] = await waitFor(async () => {
      const rows = await ctx.records(id);
      return rows[0].status === 'resolved' ? rows : null;
    });
    expect(record.resolution).toBe('item_deleted');
    expect(await ctx.redis.exists(ctx.cacheKey(id))).toBe(0);
  });
});
