import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseConfig } from '@app/config';
import { SourceSweepService } from '@app/consistency';
import { migrateSources } from '@app/sources';
import { TestContext, waitFor } from '@app/testing';

const TABLES = `
  CREATE SCHEMA shop;
  CREATE TABLE shop.customers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE, tier text NOT NULL,
    balance numeric(12,2) NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE shop.orders (
    tenant_id int NOT NULL, id bigint NOT NULL, status text NOT NULL, total numeric(12,2) NOT NULL,
    items jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id));
  CREATE TABLE shop.notes (id int PRIMARY KEY, body text NOT NULL);
  CREATE TABLE shop.tags (id int PRIMARY KEY, label text NOT NULL);
  CREATE TABLE shop.labels (id int PRIMARY KEY, name text NOT NULL, color text);
`;

/**
 * Declared sources end to end, on real PostgreSQL and Redis: an application's own tables and keys,
 * in each format, checked on every captured change and by the sweep, confirmed after the grace
 * period with the differing fields, and healed in the application's own format when asked.
 */
describe('declared sources', () => {
  let ctx: TestContext;
  let p: string; // this spec's key prefix
  let file: string; // the declaration the apps read

  const declaration = () => `
sources:
  - name: customers
    table: shop.customers
    version: updated_at
    checkDelayMs: 50
    keys:
      - key: "${p}customer:{id}"
        format: json
        fields: { id: id, email: email, tier: tier, balance: balance, updatedAt: updated_at }
      - key: "${p}customer:{id}:profile"
        format: hash
        fields: { email: email, tier: tier }
      - key: "${p}customer:by-email:{email}"
        format: string
        column: id
  - name: orders
    table: shop.orders
    version: updated_at
    heal: refresh
    keys:
      - key: "${p}order:{tenant_id}:{id}"
        format: json
        fields: { tenantId: tenant_id, id: id, status: status, total: total, items: items, updatedAt: updated_at }
  - name: notes
    table: shop.notes
    keys:
      - key: "${p}note:{id}"
        format: string
        column: body
  - name: tags
    table: shop.tags
    onChange: invalidate
    keys:
      - key: "${p}tag:{id}"
        format: string
        column: label
  - name: labels
    table: shop.labels
    onChange: refresh
    heal: invalidate
    keys:
      - key: "${p}label:{id}"
        format: json
        fields: { id: id, name: name, color: color }
`;

  /** Caches a customer the way a Node app does: JSON.stringify of node-pg's row (numeric as text, Date as ISO ms). */
  async function cacheCustomer(id: string): Promise<Record<string, any>> {
    const { rows } = await ctx.pg.query('SELECT * FROM shop.customers WHERE id = $1', [id]);
    const c = rows[0];
    await ctx.redis.set(
      `${p}customer:${id}`,
      JSON.stringify({ id: c.id, email: c.email, tier: c.tier, balance: c.balance, updatedAt: c.updated_at, displayName: 'computed' }),
    );
    await ctx.redis.hset(`${p}customer:${id}:profile`, { email: c.email, tier: c.tier });
    await ctx.redis.set(`${p}customer:by-email:${c.email}`, c.id);
    return c;
  }

  async function newCustomer(tier = 'free'): Promise<string> {
    const email = `c${Math.random().toString(36).slice(2)}@shop.test`;
    const { rows } = await ctx.pg.query('INSERT INTO shop.customers (email, tier, balance) VALUES ($1, $2, 12.5) RETURNING id', [
      email,
      tier,
    ]);
    return rows[0].id;
  }

  const active = async (source: string) => (await ctx.http('GET', `/items/inconsistencies/active?source=${source}`)).body as any[];
  const recordOf = async (source: string, key: string) => (await active(source)).find((r) => r.key === key);
  const waitForRecord = async (source: string, key: string) => {
    await waitFor(async () => (await recordOf(source, key)) !== undefined, 20_000, 100, { what: `a record for ${key}` });
    return recordOf(source, key);
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polaris-sources-e2e-'));
    file = join(dir, 'polaris.yaml');
    ctx = await TestContext.create('sources', { POLARIS_SOURCES: file });
    p = `test:sources_${process.pid}:`;
    writeFileSync(file, declaration());
    await ctx.pg.query(TABLES);
    await migrateSources(databaseConfig(), file);
    await ctx.startApi();
    await ctx.startWorker();
  });

  afterAll(async () => {
    await ctx.close();
    const keys = await ctx.redis.keys(`${p}*`).catch(() => [] as string[]);
    if (keys.length) await ctx.redis.del(...keys).catch(() => undefined);
  });

  it('a correct application write leaves no record: numbers as text, milliseconds, unmapped fields are all equal', async () => {
    const id = await newCustomer();
    await cacheCustomer(id);
    await ctx.pg.query(`UPDATE shop.customers SET tier = 'pro', balance = 99.90, updated_at = now() WHERE id = $1`, [id]);
    await cacheCustomer(id); // the application rewrites its entries after its commit
    await ctx.settle();
    expect(await recordOf('customers', `${p}customer:${id}`)).toBeUndefined();
    expect(await recordOf('customers', `${p}customer:${id}:profile`)).toBeUndefined();
  });

  it('a write made with SQL confirms each stale view with its diff: json stale (versioned), hash diverged (no version mapped)', async () => {
    const id = await newCustomer();
    await cacheCustomer(id);
    await ctx.pg.query(`UPDATE shop.customers SET tier = 'enterprise', updated_at = now() WHERE id = $1`, [id]);
    const json = await waitForRecord('customers', `${p}customer:${id}`);
    expect(json).toMatchObject({ source: 'customers', itemId: null, kind: 'stale', detectedBy: 'change' });
    expect(json.diff).toEqual(
      expect.arrayContaining([{ field: 'tier', cache: 'free', db: 'enterprise' }, expect.objectContaining({ field: 'updatedAt' })]),
    );
    expect(typeof json.dbVersion).toBe('string');
    const hash = await waitForRecord('customers', `${p}customer:${id}:profile`);
    expect(hash).toMatchObject({ kind: 'diverged', diff: [{ field: 'tier', cache: 'free', db: 'enterprise' }] });
    expect(await recordOf('customers', `${p}customer:by-email:${json.dbValue.email}`)).toBeUndefined(); // still right

    const detail = (await ctx.http('GET', `/inconsistencies/${json.id}`)).body;
    expect(detail.timeline.map((e: any) => e.type)).toEqual(expect.arrayContaining(['change', 'check']));
    expect(detail.timeline.find((e: any) => e.type === 'change')).toMatchObject({ op: 'update' });
  });

  it('a stale fill repeated within the grace period is confirmed as the first detection, not escaped by a new grace period', async () => {
    const id = await newCustomer();
    const v1 = await cacheCustomer(id);
    await ctx.settle();
    const detected = (await ctx.transitions()).detected;
    const staleFill = (c: Record<string, any>) =>
      ctx.redis.set(
        `${p}customer:${id}`,
        JSON.stringify({ id: c.id, email: c.email, tier: c.tier, balance: c.balance, updatedAt: c.updated_at }),
      );
    await ctx.pg.query(`UPDATE shop.customers SET tier = 'pro', updated_at = now() WHERE id = $1`, [id]);
    await staleFill(v1); // the fill read v1 before the update, and lands after its invalidation
    await waitFor(async () => (await ctx.transitions()).detected > detected, 10_000);
    const v2 = (await ctx.pg.query('SELECT * FROM shop.customers WHERE id = $1', [id])).rows[0];
    await ctx.pg.query(`UPDATE shop.customers SET tier = 'enterprise', updated_at = now() WHERE id = $1`, [id]);
    await staleFill(v2); // again: the cache reaches the version detected, still behind the row
    const record = await waitForRecord('customers', `${p}customer:${id}`);
    expect(record).toMatchObject({ kind: 'stale', diff: expect.arrayContaining([{ field: 'tier', cache: 'pro', db: 'enterprise' }]) });
    const detail = (await ctx.http('GET', `/inconsistencies/${record.id}`)).body;
    expect(detail.timeline.map((e: any) => e.transition).filter(Boolean)).toEqual(expect.arrayContaining(['detect', 'recheck', 'confirm']));
    expect(detail.timeline.some((e: any) => e.transition === 'clear+detect')).toBe(false);
  });

  it('an email change that forgets the old key leaves an orphan built from the old value', async () => {
    const id = await newCustomer();
    const before = await cacheCustomer(id);
    await ctx.pg.query(`UPDATE shop.customers SET email = $2, updated_at = now() WHERE id = $1`, [id, `new-${before.email}`]);
    await cacheCustomer(id); // rewrites customer:{id}, the profile and the new by-email key, but not the old one
    const orphan = await waitForRecord('customers', `${p}customer:by-email:${before.email}`);
    expect(orphan).toMatchObject({ kind: 'orphan', cacheValue: id });
    expect(await recordOf('customers', `${p}customer:${id}`)).toBeUndefined();
  });

  it('a key holding the wrong Redis type is corrupt', async () => {
    const id = await newCustomer();
    await cacheCustomer(id);
    await ctx.redis.del(`${p}customer:${id}:profile`);
    await ctx.redis.set(`${p}customer:${id}:profile`, 'not a hash');
    await ctx.pg.query(`UPDATE shop.customers SET balance = balance + 1, updated_at = now() WHERE id = $1`, [id]);
    await cacheCustomer(id).catch(() => undefined); // HSET fails on a string: the application's own bug
    const record = await waitForRecord('customers', `${p}customer:${id}:profile`);
    expect(record).toMatchObject({ kind: 'corrupt' });
  });

  it('a table without a version column: any difference is diverged', async () => {
    await ctx.pg.query(`INSERT INTO shop.notes VALUES (1, 'hello')`);
    await ctx.redis.set(`${p}note:1`, 'hello');
    await ctx.pg.query(`UPDATE shop.notes SET body = 'bye' WHERE id = 1`);
    const record = await waitForRecord('notes', `${p}note:1`);
    expect(record).toMatchObject({ kind: 'diverged', diff: [{ field: 'body', cache: 'hello', db: 'bye' }], dbVersion: null });
  });

  it('onChange: invalidate deletes every key a change touches, before checking', async () => {
    await ctx.pg.query(`INSERT INTO shop.tags VALUES (1, 'red')`);
    await ctx.redis.set(`${p}tag:1`, 'red');
    await ctx.pg.query(`UPDATE shop.tags SET label = 'blue' WHERE id = 1`);
    await waitFor(async () => (await ctx.redis.exists(`${p}tag:1`)) === 0, 10_000);
    await ctx.settle();
    expect(await active('tags')).toEqual([]);
  });

  it('onChange: refresh rewrites a key a change left wrong, in its own format; a miss stays a miss', async () => {
    await ctx.pg.query(`INSERT INTO shop.labels VALUES (1, 'old', NULL), (2, 'two', 'red')`);
    await ctx.redis.set(`${p}label:1`, JSON.stringify({ id: 1, name: 'old', extra: true }), 'EX', 600);
    await ctx.pg.query(`UPDATE shop.labels SET name = 'new' WHERE id IN (1, 2)`);
    await waitFor(async () => JSON.parse((await ctx.redis.get(`${p}label:1`)) ?? '{}').name === 'new', 10_000);
    expect(JSON.parse((await ctx.redis.get(`${p}label:1`))!)).toEqual({ id: 1, name: 'new', extra: true, color: null });
    expect(await ctx.redis.ttl(`${p}label:1`)).toBeGreaterThan(500);
    await ctx.settle();
    expect(await ctx.redis.exists(`${p}label:2`)).toBe(0);
    expect(await active('labels')).toEqual([]);
  });

  it('heal: invalidate deletes a confirmed key and resolves its record as auto_healed', async () => {
    await ctx.pg.query(`INSERT INTO shop.labels VALUES (3, 'three', 'blue')`);
    await ctx.redis.set(`${p}label:3`, JSON.stringify({ id: 3, name: 'three', color: 'green' })); // no change captured: only the sweep sees it
    await ctx.workers[0].get(SourceSweepService).tick();
    const record = async () =>
      ((await ctx.http('GET', '/items/inconsistencies/all?source=labels')).body as any[]).find((r) => r.key === `${p}label:3`);
    await waitFor(async () => (await record())?.status === 'resolved', 20_000);
    expect(await ctx.redis.exists(`${p}label:3`)).toBe(0);
    expect(await record()).toMatchObject({
      kind: 'diverged',
      status: 'resolved',
      resolution: 'auto_healed',
      detectedBy: 'sweep',
      diff: [{ field: 'color', cache: 'green', db: 'blue' }],
    });
  });

  it('the sweep finds a silent stale entry (composite key) and an orphan, ignores unparsable keys, and heal: refresh rewrites it in its own format', async () => {
    await ctx.pg.query(`INSERT INTO shop.orders VALUES (7, 1, 'paid', 10.50, '[{"sku": "a", "qty": 1}]', '2026-01-01T00:00:00.123456Z')`);
    // Cached before a change that was never captured (as if the trigger were off): the sweep must find it.
    const stale = {
      tenantId: 7,
      id: '1',
      status: 'new',
      total: '10.50',
      items: [{ sku: 'a', qty: 1 }],
      updatedAt: '2025-12-31T00:00:00.000Z',
      note: 'kept',
    };
    await ctx.redis.set(`${p}order:7:1`, JSON.stringify(stale), 'EX', 3600);
    await ctx.redis.set(`${p}order:7:404`, JSON.stringify({ ...stale, id: '404' }));
    await ctx.redis.set(`${p}order:x:y`, '{}'); // cannot be an order's key: logged once, never a record
    // Pages of SWEEP_BATCH_SIZE (100) rows, read one ahead: a stale entry on the third page is found too.
    await ctx.pg.query(`INSERT INTO shop.orders SELECT 8, g, 'new', 1, '[]', now() FROM generate_series(1, 250) g`);
    await ctx.redis.set(
      `${p}order:8:250`,
      JSON.stringify({ tenantId: 8, id: '250', status: 'old', total: '1.00', items: [], updatedAt: '2000-01-01T00:00:00.000Z' }),
    );
    const sweep = ctx.workers[0].get(SourceSweepService);
    await sweep.tick();

    // heal: refresh resolves each as soon as it is confirmed: the orphan is deleted (it has no row to
    // render), the stale entry rewritten like the application would.
    const everyRecord = async () => (await ctx.http('GET', '/items/inconsistencies/all?source=orders')).body as any[];
    await waitFor(async () => (await everyRecord()).some((r) => r.key === `${p}order:7:404` && r.resolution === 'auto_healed'), 20_000);
    expect((await everyRecord()).find((r) => r.key === `${p}order:7:404`)).toMatchObject({ kind: 'orphan', detectedBy: 'sweep' });
    expect(await ctx.redis.exists(`${p}order:7:404`)).toBe(0);
    await waitFor(async () => JSON.parse((await ctx.redis.get(`${p}order:7:1`)) ?? '{}').status === 'paid', 20_000);
    const healed = JSON.parse((await ctx.redis.get(`${p}order:7:1`))!);
    expect(healed).toEqual({
      tenantId: 7,
      id: '1',
      status: 'paid',
      total: '10.50',
      items: [{ sku: 'a', qty: 1 }],
      updatedAt: '2026-01-01T00:00:00.123Z',
      note: 'kept',
    });
    expect(await ctx.redis.ttl(`${p}order:7:1`)).toBeGreaterThan(3000); // the TTL is kept
    const all = await everyRecord();
    expect(all.find((r) => r.key === `${p}order:7:1`)).toMatchObject({ kind: 'stale', status: 'resolved', resolution: 'auto_healed' });
    expect(all.find((r) => r.key === `${p}order:x:y`)).toBeUndefined();
    await waitFor(async () => (await everyRecord()).some((r) => r.key === `${p}order:8:250` && r.kind === 'stale'), 20_000);
  });

  it('records filter by source; an unknown source is a 400; GET /sources lists them', async () => {
    expect((await ctx.http('GET', '/items/inconsistencies/all?source=nope')).status).toBe(400);
    expect((await ctx.http('GET', '/items/inconsistencies/all?source=Bad!')).status).toBe(400);
    const notes = (await ctx.http('GET', '/items/inconsistencies/all?source=notes')).body as any[];
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((r) => r.source === 'notes')).toBe(true);
    const items = (await ctx.http('GET', '/items/inconsistencies/all?source=items')).body as any[];
    expect(items).toEqual([]);
    const sources = (await ctx.http('GET', '/sources')).body as any[];
    expect(sources.map((s) => s.name)).toEqual(['items', 'customers', 'orders', 'notes', 'tags', 'labels']);
  });

  it("GET /sources reports each source's figures: changes captured, checks by outcome, open records by kind, SLI, last sweep pass", async () => {
    const customers = async () => ((await ctx.http('GET', '/sources')).body as any[]).find((s) => s.name === 'customers');
    // The worker's counters reach the api with its next published snapshot (every 5 s).
    await waitFor(async () => (await customers()).stats.changesCaptured > 0, 15_000, 250);
    const { stats } = await customers();
    expect(stats.checks.stale).toBeGreaterThan(0);
    expect(stats.checks.consistent).toBeGreaterThan(0);
    expect(stats.activeRecords).toMatchObject({
      stale: expect.any(Number),
      diverged: expect.any(Number),
      orphan: expect.any(Number),
      corrupt: 1,
    });
    expect(stats.sli.samples).toBeGreaterThan(0);
    expect(stats.lastSweepPass).toMatchObject({ passes: expect.any(Number), durationMs: expect.any(Number), at: expect.any(String) });
    const items = ((await ctx.http('GET', '/sources')).body as any[]).find((s) => s.name === 'items');
    expect(items.stats).toMatchObject({ changesCaptured: 0, activeRecords: {}, lastSweepPass: null });
  });

  it('a source removed and one added across migrate and a restart: the removed one is no longer captured or checked, its records stay readable', async () => {
    const notesKey = `${p}note:1`;
    const before = (await ctx.http('GET', '/items/inconsistencies/active?source=notes')).body as any[];
    expect(before.map((r) => r.key)).toEqual([notesKey]); // open since the diverged test
    // notes removed, a new source over the same table added under another name and key.
    const notes = declaration().indexOf('  - name: notes');
    const tags = declaration().indexOf('  - name: tags');
    const next =
      declaration().slice(0, notes) +
      declaration().slice(tags) +
      `  - name: memos\n    table: shop.notes\n    keys:\n      - key: "${p}memo:{id}"\n        format: string\n        column: body\n`;
    writeFileSync(file, next);
    expect(await migrateSources(databaseConfig(), file)).toMatchObject({
      installed: ['memos on shop.notes'],
      removed: ['polaris_capture_notes on shop.notes'],
    });
    await ctx.stopWorker(ctx.workers[0]);
    await ctx.api!.close();
    await ctx.startApi();
    await ctx.startWorker();

    await ctx.redis.set(`${p}memo:1`, 'bye');
    await ctx.pg.query(`UPDATE shop.notes SET body = 'again' WHERE id = 1`);
    const changes = (await ctx.pg.query(`SELECT source FROM source_changes`)).rows;
    expect(changes.every((c) => c.source === 'memos')).toBe(true);
    expect(await waitForRecord('memos', `${p}memo:1`)).toMatchObject({
      kind: 'diverged',
      diff: [{ field: 'body', cache: 'bye', db: 'again' }],
    });
    await ctx.workers[0].get(SourceSweepService).tick();
    await ctx.settle();
    // The removed source's record is neither re-checked nor lost; its name still filters.
    const after = (await ctx.http('GET', '/items/inconsistencies/active?source=notes')).body as any[];
    expect(after).toEqual([expect.objectContaining({ key: notesKey, count: before[0].count })]);
    expect(((await ctx.http('GET', '/sources')).body as any[]).map((x) => x.name)).toEqual([
      'items',
      'customers',
      'orders',
      'tags',
      'labels',
      'memos',
    ]);
  });
});
