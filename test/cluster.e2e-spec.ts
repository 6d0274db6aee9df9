import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseConfig } from '@app/config';
import { migrateSources } from '@app/sources';
import { RedisCluster, spawnApp, TestContext, waitFor } from '@app/testing';

/**
 * Polaris on a real local Redis Cluster (3 masters, each with a replica), for both the cache and its
 * queues: the demo flow, the sweep on every master, a FLUSHALL of every master, a failover under
 * write load, the audit, and declared sources in two formats. Each block has its own database and key prefixes.
 */
describe('on a Redis Cluster', () => {
  let cluster: RedisCluster;
  const onCluster = (vars: Record<string, string> = {}) => ({
    REDIS_CLUSTER_NODES: cluster.seeds(),
    QUEUE_REDIS_CLUSTER_NODES: cluster.seeds(),
    ...vars,
  });

  beforeAll(async () => {
    cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  /** Cached items until each master holds at least `perMaster` of their keys; by master port. */
  async function itemsOnEveryMaster(ctx: TestContext, perMaster: number): Promise<Map<number, string[]>> {
    const byMaster = new Map<number, string[]>();
    for (const m of await cluster.masters()) byMaster.set(m.port, []);
    for (let i = 0; i < 200 && [...byMaster.values()].some((ids) => ids.length < perMaster); i++) {
      const { id } = await ctx.createItem(`item-${i}`, { i });
      await ctx.http('GET', `/items/${id}`); // read-through fills the cache
      byMaster.get((await cluster.masterFor(ctx.cacheKey(id))).port)!.push(id);
    }
    return byMaster;
  }

  describe('the demo flow (FAILURE_MODE=delay)', () => {
    let ctx: TestContext;

    beforeAll(async () => {
      ctx = await TestContext.create('cluster_demo', onCluster({ FAILURE_MODE: 'delay', FAILURE_DELAY_MS: '200' }));
      await ctx.startApi();
      await ctx.startWorker();
    }, 60_000);

    afterAll(() => ctx?.close());

    it('reads through the cache, confirms the delayed stale overwrite, and refresh resolves it', async () => {
      const { id } = await ctx.createItem('widget', { color: 'blue' });
      expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'db', data: { version: 1 } });
      expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'cache', data: { version: 1 } });
      expect((await ctx.http('PUT', `/items/${id}`, { value: { color: 'red' } })).status).toBe(200);

      const [record] = await waitFor(async () => {
        const res = await ctx.http('GET', '/items/inconsistencies/active');
        return res.body.length === 1 ? res.body : null;
      });
      expect(record).toMatchObject({ itemId: id, kind: 'stale', status: 'confirmed', cacheVersion: 1, dbVersion: 2, detectedBy: 'write' });

      expect((await ctx.http('POST', `/items/debug/refresh/${id}`)).body).toMatchObject({ data: { version: 2 }, resolved: 1 });
      expect((await ctx.http('GET', '/items/inconsistencies/active')).body).toEqual([]);
      expect((await ctx.http('GET', `/items/${id}`)).body).toMatchObject({ source: 'cache', data: { version: 2 } });

      const health = await ctx.http('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body.details.redis).toMatchObject({
        status: 'up',
        cache: { cluster_state: 'ok', masters: 3, mastersOk: 3 },
        queue: { cluster_state: 'ok', masters: 3 },
      });
    });
  });

  describe('the sweep', () => {
    let ctx: TestContext;

    beforeAll(async () => {
      // No relay: only the sweep can see these.
      ctx = await TestContext.create(
        'cluster_sweep',
        onCluster({ RELAY_ENABLED: 'false', SWEEP_ENABLED: 'true', SWEEP_INTERVAL_MS: '150', SWEEP_BATCH_SIZE: '7' }),
      );
      await ctx.startApi();
      await ctx.startWorker();
    }, 60_000);

    afterAll(() => ctx?.close());

    it('finds a silent stale entry and an orphan on each of the three masters', async () => {
      const byMaster = await itemsOnEveryMaster(ctx, 2);
      expect(byMaster.size).toBe(3);
      const stale = [...byMaster.values()].map((ids) => ids[0]);
      const orphans = [...byMaster.values()].map((ids) => ids[1]);
      await ctx.pg.query(`UPDATE items SET value = '{"changed": true}', version = version + 1 WHERE id = ANY($1)`, [stale]);
      await ctx.pg.query(`DELETE FROM items WHERE id = ANY($1)`, [orphans]);

      const records = await waitFor(
        async () => {
          const rows = (await ctx.records()).filter((r) => r.status !== 'resolved');
          return rows.length === 6 ? rows : null;
        },
        30_000,
        100,
        { what: 'six open records' },
      );
      expect(records.filter((r) => r.kind === 'stale').map((r) => r.item_id)).toEqual(expect.arrayContaining(stale));
      expect(records.filter((r) => r.kind === 'orphan').map((r) => r.item_id)).toEqual(expect.arrayContaining(orphans));
      expect(records.every((r) => r.detected_by === 'sweep')).toBe(true);
    });
  });

  describe('the audit', () => {
    let ctx: TestContext;

    beforeAll(async () => {
      ctx = await TestContext.create('cluster_audit', onCluster({ SWEEP_BATCH_SIZE: '7', GRACE_PERIOD_MS: '300' }));
      await ctx.startApi();
    }, 60_000);

    afterAll(() => ctx?.close());

    it('reports a stale entry and an orphan on each of the three masters, and exits 1', async () => {
      const byMaster = await itemsOnEveryMaster(ctx, 2);
      const stale = [...byMaster.values()].map((ids) => ids[0]);
      const orphans = [...byMaster.values()].map((ids) => ids[1]);
      await ctx.pg.query(`UPDATE items SET value = '{"changed": true}', version = version + 1 WHERE id = ANY($1)`, [stale]);
      await ctx.pg.query(`DELETE FROM items WHERE id = ANY($1)`, [orphans]);
      const file = join(mkdtempSync(join(tmpdir(), 'polaris-cluster-audit-')), 'report.json');

      const run = spawnApp('worker', {}, ['audit', '--json', file]);
      const [code] = await run.exited;
      expect({ code, output: run.output() }).toMatchObject({ code: 1 });
      const report = JSON.parse(readFileSync(file, 'utf8'));
      const found = (kind: string) => report.inconsistencies.filter((f: any) => f.kind === kind).map((f: any) => f.key);
      expect(found('stale').sort()).toEqual(stale.map((id) => ctx.cacheKey(id)).sort());
      expect(found('orphan').sort()).toEqual(orphans.map((id) => ctx.cacheKey(id)).sort());
      const ids = [...byMaster.values()].flat();
      expect(report.sources[0]).toMatchObject({ rows: ids.length - 3, keysScanned: ids.length });
    });
  });

  describe('FLUSHALL on every master', () => {
    let ctx: TestContext;

    beforeAll(async () => {
      ctx = await TestContext.create('cluster_flush', onCluster({ SWEEP_INTERVAL_MS: '200' }));
      await ctx.startApi();
      await ctx.startWorker();
    }, 60_000);

    afterAll(() => ctx?.close());

    it('raises no false alarm, and the cache refills', async () => {
      const byMaster = await itemsOnEveryMaster(ctx, 3);
      const ids = [...byMaster.values()].flat();
      await ctx.settle();
      await cluster.flushAll();
      for (const id of ids.slice(0, 6)) expect((await ctx.http('PUT', `/items/${id}`, { value: { after: 'flush' } })).status).toBe(200);
      for (const id of ids) expect((await ctx.http('GET', `/items/${id}`)).status).toBe(200);
      await ctx.settle();
      expect((await ctx.http('GET', `/items/${ids[0]}`)).body).toMatchObject({ source: 'cache' });
      expect(await ctx.records()).toEqual([]);
      expect(await ctx.transitions()).toMatchObject({ detected: 0, confirmed: 0 });
    });
  });

  describe('a manual failover during write load', () => {
    let ctx: TestContext;

    beforeAll(async () => {
      ctx = await TestContext.create('cluster_failover', onCluster({ SWEEP_INTERVAL_MS: '200' }));
      await ctx.startApi();
      await ctx.startWorker();
    }, 60_000);

    afterAll(() => ctx?.close());

    it('loses no check, confirms nothing false, and keeps working without a restart', async () => {
      const ids = [...(await itemsOnEveryMaster(ctx, 3)).values()].flat();
      const replica = (await cluster.replicas())[0];
      let writes = 0;
      const failed: string[] = [];
      const load = (async () => {
        // Bounded: at most 600 writes or 20 s.
        const until = Date.now() + 20_000;
        for (let i = 0; i < 600 && Date.now() < until; i++) {
          const res = await ctx.http('PUT', `/items/${ids[i % ids.length]}`, { value: { i } });
          if (res.status === 200) writes++;
          else failed.push(`${res.status} ${JSON.stringify(res.body)}`);
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await cluster.failover(replica.port);
      await load;
      await ctx.settle(60_000);

      expect(failed).toEqual([]); // PostgreSQL is the truth: a write never fails because Redis moved
      const checks = await ctx.counter('polaris_checks_total', 'trigger');
      expect(checks['post-write']).toBeGreaterThanOrEqual(writes);
      const failedJobs = await ctx.failedJobs();
      expect(failedJobs).toBe(0);
      expect((await ctx.records()).filter((r) => r.status !== 'resolved')).toEqual([]);
      expect(await ctx.transitions()).toMatchObject({ confirmed: 0 });

      // Still working on the new topology: a write is read back through the cache.
      expect((await ctx.http('PUT', `/items/${ids[0]}`, { value: { after: 'failover' } })).status).toBe(200);
      await waitFor(async () => (await ctx.http('GET', `/items/${ids[0]}`)).body.source === 'cache');
    });
  });

  describe('declared sources', () => {
    let ctx: TestContext;
    let p: string;

    beforeAll(async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'polaris-cluster-')), 'polaris.yaml');
      ctx = await TestContext.create('cluster_sources', onCluster({ POLARIS_SOURCES: file }));
      p = `test:cluster_sources_${process.pid}:`;
      writeFileSync(
        file,
        `
sources:
  - name: customers
    table: shop.customers
    version: updated_at
    checkDelayMs: 50
    keys:
      - key: "${p}customer:{id}"
        format: json
        fields: { id: id, email: email, tier: tier, updatedAt: updated_at }
      - key: "${p}customer:{id}:profile"
        format: hash
        fields: { email: email, tier: tier }
`,
      );
      await ctx.pg.query(`CREATE SCHEMA shop;
        CREATE TABLE shop.customers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE,
          tier text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
      await migrateSources(databaseConfig(), file);
      await ctx.startApi();
      await ctx.startWorker();
    }, 60_000);

    afterAll(() => ctx?.close());

    it('confirms a stale json entry and a diverged hash after a write made with SQL, on whichever masters hold them', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const { rows } = await ctx.pg.query(
          `INSERT INTO shop.customers (email, tier) VALUES ($1, 'free') RETURNING id, email, tier, to_json(updated_at) #>> '{}' AS at`,
          [`c${i}@example.com`],
        );
        const c = rows[0];
        await ctx.redis.set(`${p}customer:${c.id}`, JSON.stringify({ id: c.id, email: c.email, tier: c.tier, updatedAt: c.at }));
        await ctx.redis.hset(`${p}customer:${c.id}:profile`, { email: c.email, tier: c.tier });
        ids.push(c.id);
      }
      await ctx.settle();
      await ctx.pg.query(`UPDATE shop.customers SET tier = 'pro', updated_at = now() WHERE id = ANY($1)`, [ids]);

      const keys = ids.flatMap((id) => [`${p}customer:${id}`, `${p}customer:${id}:profile`]);
      const masters = new Set(await Promise.all(keys.map(async (k) => (await cluster.masterFor(k)).port)));
      expect(masters.size).toBeGreaterThan(1);
      const records = await waitFor(
        async () => {
          const res = (await ctx.http('GET', '/items/inconsistencies/active?source=customers')).body as any[];
          return res.length === keys.length ? res : null;
        },
        30_000,
        100,
        { what: `${keys.length} records` },
      );
      expect(records.filter((r) => r.kind === 'stale')).toHaveLength(ids.length);
      expect(records.filter((r) => r.kind === 'diverged')).toHaveLength(ids.length);
      expect(records.every((r) => r.diff.some((d: any) => d.field === 'tier' && d.db === 'pro'))).toBe(true);
    });
  });
});
