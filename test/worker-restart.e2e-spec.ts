import { TestContext, sleep, waitFor } from '@app/testing';

/** Pending confirmations are BullMQ delayed jobs: a worker restart inside the grace period loses none. */
describe('worker restart during the grace period', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('restart', { FAILURE_MODE: 'skip', GRACE_PERIOD_MS: '1500', POST_WRITE_CHECK_DELAY_MS: '5000' });
    await ctx.startApi();
  });

  afterAll(() => ctx.close());

  it('confirms after the restart, exactly once, at the deadline fixed at detection', async () => {
    const worker = await ctx.startWorker();
    const { id } = await ctx.createItem();
    await ctx.http('GET', `/items/${id}`); // cache version 1
    await ctx.http('PUT', `/items/${id}`, { value: { color: 'red' } }); // cache write skipped: stale

    await waitFor(async () => (await ctx.transitions()).detected === 1);
    const detectedAt = Date.now();
    await ctx.stopWorker(worker); // the confirmation is now a delayed job with no worker
    await sleep(300);
    expect(await ctx.records(id)).toEqual([]);

    await ctx.startWorker();
    const [record] = await waitFor(async () => {
      const rows = await ctx.records(id);
      return rows.length ? rows : null;
    });
    expect(record).toMatchObject({ status: 'confirmed', kind: 'stale', detected_by: 'write' });
    // The deadline was fixed at detection: not postponed by the restart.
    expect(record.confirmed_at.getTime() - record.first_detected_at.getTime()).toBeGreaterThanOrEqual(1490);
    expect(record.confirmed_at.getTime()).toBeLessThan(detectedAt + 10_000);
    expect((await ctx.transitions()).confirmed).toBe(1);
  });
});
