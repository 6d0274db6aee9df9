import { MetricsPublisher } from '@app/consistency';
import { TestContext, waitFor } from '@app/testing';

/**
 * Every write is captured in the same transaction by a trigger and relayed to the checks, so a
 * write made with plain SQL is checked exactly like an api write.
 */
describe('change capture and out-of-band writes', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('capture');
    await ctx.startApi();
    await ctx.startWorker();
  });

  afterAll(() => ctx.close());

  async function restartWorker(vars: Record<string, string>): Promise<void> {
    await ctx.stopWorker(ctx.workers[0]);
    ctx.configure(vars);
    await ctx.startWorker();
  }

  async function cachedItem(value: unknown = { v: 1 }): Promise<string> {
    const { id } = await ctx.createItem('oob', value);
    await ctx.http('GET', `/items/${id}`);
    return id;
  }

  async function changeRows(id: string) {
    return (
      await ctx.pg.query(`SELECT op, origin, old_version, new_version, changed_at FROM item_changes WHERE item_id = $1 ORDER BY id`, [id])
    ).rows;
  }

  it('records api writes with origin api and SQL writes with origin external, in the same transaction; relaying consumes them', async () => {
    await ctx.stopWorker(ctx.workers[0]); // no relay: the captured changes stay in the log to be read
    const id = await cachedItem();
    await ctx.http('PUT', `/items/${id}`, { value: { v: 2 } });
    await ctx.pg.query(`UPDATE items SET value = '{"v": 3}', version = version + 1 WHERE id = $1`, [id]);
    // A rolled-back write leaves no change behind.
    const client = await ctx.pg.connect();
    await client.query('BEGIN');
    await client.query(`UPDATE items SET version = version + 1 WHERE id = $1`, [id]);
    await client.query('ROLLBACK');
    client.release();
    const rows = await changeRows(id);
    expect(rows.map((r) => [r.op, r.origin, r.old_version, r.new_version])).toEqual([
      ['insert', 'api', null, 1],
      ['update', 'api', 1, 2],
      ['update', 'external', 2, 3],
    ]);

    await ctx.startWorker();
    await waitFor(async () => (await changeRows(id)).length === 0); // relayed: deleted with the checks queued
  });

  it('checks a direct SQL UPDATE within 1 s and confirms the stale entry it leaves (detect)', async () => {
    const id = await cachedItem();
    const { rows } = await ctx.pg.query(
      `UPDATE items SET value = '{"v": "sql"}', version = version + 1 WHERE id = $1 RETURNING clock_timestamp() AS at`,
      [id],
    );
    const changedAt: Date = rows[0].at;
    const [record] = await waitFor(async () => {
      const r = await ctx.records(id);
      return r.length ? r : null;
    });
    expect(record).toMatchObject({ kind: 'stale', detected_by: 'change', db_version: 2, cache_version: 1, status: 'confirmed' });
    expect(record.first_detected_at.getTime() - changedAt.getTime()).toBeLessThan(1000);
  });

  it('checks a direct SQL DELETE within 1 s and confirms the orphan it leaves', async () => {
    const id = await cachedItem();
    const { rows } = await ctx.pg.query(`DELETE FROM items WHERE id = $1 RETURNING clock_timestamp() AS at`, [id]);
    const changedAt: Date = rows[0].at;
    const [record] = await waitFor(async () => {
      const r = await ctx.records(id);
      return r.length ? r : null;
    });
    expect(record).toMatchObject({ kind: 'orphan', detected_by: 'change', cache_version: 1, db_version: null });
    expect(record.first_detected_at.getTime() - changedAt.getTime()).toBeLessThan(1000);
    const detail = (await ctx.http('GET', `/inconsistencies/${record.id}`)).body;
    expect(detail.timeline).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'change', op: 'delete', origin: 'external' })]),
    );
  });

  it('OUT_OF_BAND_POLICY=invalidate deletes the key of an out-of-band change; reads refill it', async () => {
    await restartWorker({ OUT_OF_BAND_POLICY: 'invalidate' });
    const id = await cachedItem();
    await ctx.pg.query(`UPDATE items SET value = '{"v": "inv"}', version = version + 1 WHERE id = $1`, [id]);
    await waitFor(async () => (await ctx.redis.exists(ctx.cacheKey(id))) === 0);
    expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'db', data: { version: 2, value: { v: 'inv' } } });
    await ctx.settle(); // past the post-change check and any grace period
    expect(await ctx.records(id)).toEqual([]);
  });

  it('OUT_OF_BAND_POLICY=refresh rewrites the key from PostgreSQL', async () => {
    await restartWorker({ OUT_OF_BAND_POLICY: 'refresh' });
    const id = await cachedItem();
    await ctx.pg.query(`UPDATE items SET value = '{"v": "ref"}', version = version + 1 WHERE id = $1`, [id]);
    await waitFor(async () => JSON.parse((await ctx.redis.get(ctx.cacheKey(id))) ?? '{}').version === 2);
    expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'cache', data: { version: 2, value: { v: 'ref' } } });
    // api writes are not refreshed by the relay: a skipped api cache write is still detected
    await ctx.settle();
    expect(await ctx.records(id)).toEqual([]);
  });

  it.each([
    ['refresh', (cached: string | null) => expect(JSON.parse(cached!)).toMatchObject({ version: 2, value: { v: 'healed' } })],
    ['invalidate', (cached: string | null) => expect(cached).toBeNull()],
  ])('HEAL_POLICY=%s heals a confirmed inconsistency at once and resolves it as auto_healed', async (policy, expectCache) => {
    await restartWorker({ OUT_OF_BAND_POLICY: 'detect', HEAL_POLICY: policy });
    const before = await ctx.transitions();
    const id = await cachedItem();
    await ctx.pg.query(`UPDATE items SET value = '{"v": "healed"}', version = version + 1 WHERE id = $1`, [id]);
    const [record] = await waitFor(async () => {
      const r = await ctx.records(id);
      return r[0]?.status === 'resolved' ? r : null;
    });
    expect(record).toMatchObject({ resolution: 'auto_healed', kind: 'stale' });
    expectCache(await ctx.redis.get(ctx.cacheKey(id)));
    const after = await ctx.transitions();
    expect(after.confirmed - before.confirmed).toBe(1);
    expect(after.resolved - before.resolved).toBe(1);
  });

  it('serves the timeline of a confirmed inconsistency: which write raced which', async () => {
    await restartWorker({ HEAL_POLICY: 'off', FAILURE_MODE: 'none' });
    const id = await cachedItem();
    await ctx.http('PUT', `/items/${id}`, { value: { v: 2 } });
    await ctx.pg.query(`UPDATE items SET value = '{"v": "out-of-band"}', version = version + 1 WHERE id = $1`, [id]);
    const [record] = await waitFor(async () => {
      const r = await ctx.records(id);
      return r.length ? r : null;
    });
    const detail = (await ctx.http('GET', `/inconsistencies/${record.id}`)).body;
    const changes = detail.timeline.filter((e: any) => e.type === 'change');
    expect(changes.map((c: any) => [c.op, c.origin, c.newVersion])).toEqual([
      ['insert', 'api', 1],
      ['update', 'api', 2],
      ['update', 'external', 3],
    ]);
    const checks = detail.timeline.filter((e: any) => e.type === 'check');
    expect(checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'stale', transition: 'detect', dbVersion: 3, cacheVersion: 2 }),
        expect.objectContaining({ trigger: 'confirm', outcome: 'stale', transition: 'confirm' }),
      ]),
    );
    const times = detail.timeline.map((e: any) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // lists stay light: no timeline there
    const list = (await ctx.http('GET', '/items/inconsistencies/all')).body;
    expect(list[0].timeline).toBeUndefined();
  });

  it('counts post-write checks as SLI samples and times how long inconsistent writes took to heal', async () => {
    await restartWorker({ HEAL_POLICY: 'off' });
    const id = await cachedItem();
    for (let v = 2; v <= 4; v++) await ctx.http('PUT', `/items/${id}`, { value: { v } });
    const stale = await cachedItem();
    await ctx.pg.query(`UPDATE items SET version = version + 1 WHERE id = $1`, [stale]);
    await waitFor(async () => (await ctx.records(stale)).length === 1);
    await ctx.settle(); // the post-change sample of the stale one lands after the post-write delay
    await ctx.http('POST', `/items/debug/refresh/${stale}`);
    await ctx.http('POST', `/items/debug/check/${stale}`);
    await ctx.settle();
    await ctx.workers[0].get(MetricsPublisher).publish();

    const summary = (await ctx.http('GET', '/metrics/summary')).body;
    expect(summary.sli.consistent).toBeGreaterThanOrEqual(3);
    expect(summary.sli.inconsistent).toBeGreaterThanOrEqual(1);
    expect(summary.sli.ratio).toBeLessThan(1);
    expect(summary.sli.nines).toBeGreaterThan(0);
    // The worker just published: its figures are fresh (a restarted worker's last snapshot may still be listed).
    expect(summary.workers).toEqual(expect.arrayContaining([{ id: expect.any(String), ageSeconds: expect.any(Number) }]));
    expect(Math.min(...summary.workers.map((w: { ageSeconds: number }) => w.ageSeconds))).toBeLessThan(5);
    const api = (await ctx.http('GET', '/metrics')).body as string;
    expect(api).toMatch(/polaris_sli_consistency_ratio \d/);
    expect(api).toMatch(/polaris_sli_consistency_nines \d/);
    const worker = (await ctx.workers[0].inject({ method: 'GET', url: '/metrics' })).body;
    expect(Number(/polaris_sli_time_to_consistency_seconds_count (\d+)/.exec(worker)![1])).toBeGreaterThanOrEqual(1);
    expect(Number(/polaris_changes_relayed_total\{origin="external",source="items"\} (\d+)/.exec(worker)![1])).toBeGreaterThanOrEqual(1);
  });
});
