import { SweepService } from '@app/consistency';
import { ItemsRepository } from '@app/items';
import { SweepScheduler } from '@app/consistency';
import { TestContext, waitFor } from '@app/testing';

/** The sweeper alone finds what no write announced: entries changed straight in Redis, rows deleted with SQL. */
describe('sweeper', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    // The change relay is off: these divergences must be found by the sweeper alone.
    ctx = await TestContext.create('sweeper', {
      SWEEP_ENABLED: 'true',
      SWEEP_INTERVAL_MS: '150',
      SWEEP_BATCH_SIZE: '7',
      RELAY_ENABLED: 'false',
    });
    await ctx.startApi();
    await ctx.startWorker();
  });

  afterAll(() => ctx.close());

  async function cachedItems(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { id } = await ctx.createItem(`item-${i}`, { i });
      await ctx.http('GET', `/items/${id}`);
      ids.push(id);
    }
    return ids;
  }

  it('finds a stale entry written straight into Redis, with no write to announce it', async () => {
    const ids = await cachedItems(20);
    const target = ids[13];
    const current = JSON.parse((await ctx.redis.get(ctx.cacheKey(target)))!);
    await ctx.pg.query(`UPDATE items SET value = '{"i": "new"}', version = version + 1 WHERE id = $1`, [target]);
    // the cache still holds version 1 and nothing enqueued a check: only a sweep can see it

    const [record] = await waitFor(async () => {
      const rows = await ctx.records(target);
      return rows.length ? rows : null;
    });
    expect(record).toMatchObject({ kind: 'stale', detected_by: 'sweep', db_version: 2, cache_version: 1, cache_value: current.value });
    const others = await ctx.pg.query(`SELECT count(*)::int AS n FROM inconsistencies WHERE item_id <> $1`, [target]);
    expect(others.rows[0].n).toBe(0);
  });

  it('finds a corrupt entry (same version, other content) and an orphan left by a direct SQL delete', async () => {
    const [corrupt, orphan] = await cachedItems(2);
    const entry = JSON.parse((await ctx.redis.get(ctx.cacheKey(corrupt)))!);
    await ctx.redis.set(ctx.cacheKey(corrupt), JSON.stringify({ ...entry, value: { tampered: true } }));
    await ctx.pg.query(`DELETE FROM items WHERE id = $1`, [orphan]);

    const found = await waitFor(async () => {
      const rows = await ctx.pg.query(`SELECT item_id, kind, detected_by FROM inconsistencies WHERE item_id = ANY($1)`, [
        [corrupt, orphan],
      ]);
      return rows.rowCount === 2 ? rows.rows : null;
    });
    expect(found).toEqual(
      expect.arrayContaining([
        { item_id: corrupt, kind: 'corrupt', detected_by: 'sweep' },
        { item_id: orphan, kind: 'orphan', detected_by: 'sweep' },
      ]),
    );
  });

  it('keeps its cursor in PostgreSQL and completes passes', async () => {
    const state = await waitFor(async () => {
      const { rows } = await ctx.pg.query(`SELECT * FROM sweeper_state WHERE name = 'default'`);
      return rows[0]?.passes >= 2 ? rows[0] : null;
    });
    expect(Number(state.passes)).toBeGreaterThanOrEqual(2);
    expect(state.last_pass_ms).toEqual(expect.any(Number));
  });

  it('resumes from the saved cursor after a restart', async () => {
    await ctx.stopWorker(ctx.workers[0]);
    ctx.configure({ SWEEP_ENABLED: 'false', SWEEP_MAX_ITEMS_PER_TICK: '7' });
    const worker = await ctx.startWorker();
    const sweep = worker.get(SweepService);
    await ctx.pg.query(`UPDATE sweeper_state SET phase = 'items', item_cursor = NULL, key_cursor = '0'`);

    const first = await sweep.tick();
    expect(first.rows).toBe(7);
    const saved = (await ctx.pg.query(`SELECT item_cursor FROM sweeper_state`)).rows[0].item_cursor;
    expect(saved).toBe(first.cursor.itemCursor);

    await ctx.stopWorker(worker);
    const restarted = await ctx.startWorker();
    const second = await restarted.get(SweepService).tick();
    const { rows } = await ctx.pg.query(`SELECT id FROM items ORDER BY id`);
    const ids = rows.map((r) => r.id);
    // the second tick continued right after the first one's last row
    expect(second.cursor.itemCursor).toBe(ids[13]);
  });

  it('never overlaps ticks', async () => {
    const sweeper = ctx.workers[0].get(SweepScheduler);
    const sweep = ctx.workers[0].get(SweepService);
    let concurrent = 0;
    let maxConcurrent = 0;
    const original = sweep.tick.bind(sweep);
    jest.spyOn(sweep, 'tick').mockImplementation(async (options) => {
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      try {
        await new Promise((r) => setTimeout(r, 50));
        return await original(options);
      } finally {
        concurrent--;
      }
    });
    await Promise.all([sweeper.tick(), sweeper.tick(), sweeper.tick()]);
    expect(sweep.tick).toHaveBeenCalledTimes(1);
    expect(maxConcurrent).toBe(1);
  });

  it('asks PostgreSQL only about keys whose row it did not see cached in the same pass', async () => {
    const worker = ctx.workers[0]; // its sweeper is off since the restart above: this test drives the ticks
    const sweep = worker.get(SweepService);
    const finishPass = async () => {
      for (let i = 0; i < 1000; i++) if ((await sweep.tick()).passCompleted) return;
      throw new Error('no pass completed within 1000 ticks');
    };
    const askedIn = async (pass: () => Promise<void>) => {
      const asked = jest.spyOn(worker.get(ItemsRepository), 'missingIds');
      try {
        await pass();
        return asked.mock.calls.flatMap(([ids]) => ids);
      } finally {
        asked.mockRestore();
      }
    };
    const existing = async (ids: string[]) => (await ctx.pg.query(`SELECT id FROM items WHERE id = ANY($1)`, [ids])).rows;

    const [gone, ghost] = await cachedItems(2);
    await ctx.pg.query(`DELETE FROM items WHERE id = $1`, [ghost]);
    await finishPass(); // whatever pass was under way, the next one starts from the first row

    const firstPass = await askedIn(finishPass);
    expect(firstPass).toContain(ghost);
    expect(await existing(firstPass)).toEqual([]); // no key whose row was seen cached was asked about

    await ctx.pg.query(`DELETE FROM items WHERE id = $1`, [gone]);
    const secondPass = await askedIn(finishPass);
    expect(secondPass).toContain(gone); // what a pass remembered does not outlive it
    const [record] = await waitFor(async () => {
      const rows = await ctx.records(gone);
      return rows.length ? rows : null;
    });
    expect(record).toMatchObject({ kind: 'orphan', detected_by: 'sweep' });
  });
});
