import { serializeCacheEntry, toItem } from '@app/items';
import { RedisServer, spawnApp, TestContext, waitFor } from '@app/testing';

/**
 * The relay claims a batch, enqueues its checks and marks it processed in one PostgreSQL
 * transaction. A worker killed with SIGKILL mid-batch must lose no change.
 */
describe('relay survives a worker killed mid-batch', () => {
  const N = 120;
  let redis: RedisServer;
  let ctx: TestContext;

  beforeAll(async () => {
    redis = await RedisServer.start();
    ctx = await TestContext.create('relaycrash', { REDIS_URL: redis.url, RELAY_BATCH_SIZE: '25', GRACE_PERIOD_MS: '300' });
  });

  afterAll(async () => {
    await ctx.close();
    await redis.stop();
  });

  it('relays every change exactly into one confirmed inconsistency per item after a SIGKILL', async () => {
    // N cached items (version 1), their inserts already relayed.
    const { rows } = await ctx.pg.query(
      `INSERT INTO items (name, value) SELECT 'crash-' || g, jsonb_build_object('g', g) FROM generate_series(1, $1) g
       RETURNING id, name, value, version, created_at, updated_at`,
      [N],
    );
    for (const row of rows) await ctx.redis.set(ctx.cacheKey(row.id), serializeCacheEntry(toItem(row)));
    await ctx.pg.query(`DELETE FROM item_changes`); // as if relayed

    // A worker in its own process, whose queue Redis is about to freeze mid-batch.
    const worker = spawnApp('worker', { REDIS_COMMAND_TIMEOUT_MS: '60000', LOG_LEVEL: 'warn' });
    try {
      await waitFor(
        async () => (await ctx.pg.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE 'LISTEN polaris_item_changes%'`)).rowCount! > 0,
        60_000,
        200,
      );
      redis.pause();
      await ctx.pg.query(`UPDATE items SET version = version + 1`); // N out-of-band changes, every entry now stale

      // The relay has claimed a batch (its rows are locked) and hangs enqueueing it: kill it there.
      await waitFor(
        async () => {
          const client = await ctx.pg.connect();
          try {
            await client.query('BEGIN');
            const free = await client.query(`SELECT id FROM item_changes FOR UPDATE SKIP LOCKED`);
            await client.query('ROLLBACK');
            return free.rowCount! < N;
          } finally {
            client.release();
          }
        },
        30_000,
        50,
      );
      worker.child.kill('SIGKILL');
      await worker.exited;
    } finally {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      redis.resume();
    }
    const unprocessed = await ctx.pg.query(`SELECT count(*)::int AS n FROM item_changes`);
    expect(unprocessed.rows[0].n).toBe(N); // the killed batch was rolled back, not lost

    // A fresh worker relays everything: every item's change is checked and confirmed, once.
    await ctx.startWorker();
    await waitFor(async () => {
      const { rows: r } = await ctx.pg.query(`SELECT count(*)::int AS n FROM inconsistencies WHERE detected_by = 'change'`);
      return r[0].n === N;
    }, 30_000);
    const { rows: records } = await ctx.pg.query(`SELECT item_id, count(*)::int AS n FROM inconsistencies GROUP BY item_id`);
    expect(records).toHaveLength(N);
    expect(records.every((r) => r.n === 1)).toBe(true);
    const left = await ctx.pg.query(`SELECT count(*)::int AS n FROM item_changes`);
    expect(left.rows[0].n).toBe(0);
  });
});
