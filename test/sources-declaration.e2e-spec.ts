import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseConfig } from '@app/config';
import { DeclarationError, loadSources, migrateSources, Query } from '@app/sources';
import { spawnApp, TestContext } from '@app/testing';

const SHOP = `
  CREATE SCHEMA shop;
  CREATE TABLE shop.customers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE, tier text NOT NULL,
    balance numeric(12,2) NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE shop.orders (
    tenant_id int NOT NULL, id bigint NOT NULL, status text NOT NULL, total numeric(12,2) NOT NULL,
    items jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id));
  CREATE TABLE shop.notes (body text);
`;

const CUSTOMERS = `
  - name: customers
    table: shop.customers
    version: updated_at
    keys:
      - key: "customer:{id}"
        format: json
        fields: { id: id, email: email, updatedAt: updated_at }
      - key: "customer:{id}:profile"
        format: hash
        fields: { email: email, tier: tier }
      - key: "customer:by-email:{email}"
        format: string
        column: id`;

const ORDERS = `
  - name: orders
    table: shop.orders
    capture: none
    keys:
      - key: "order:{tenant_id}:{id}"
        format: json`;

/**
 * polaris.yaml is checked against the real database at boot and by migrate: every mistake names the
 * source and the field, and migrate makes the capture triggers match the declaration.
 */
describe('sources declaration', () => {
  let ctx: TestContext;
  let dir: string;
  let query: Query;

  const declare = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const triggers = async () =>
    (
      await ctx.pg.query(`SELECT tgname, tgrelid::regclass::text AS tbl, pn.nspname || '.' || p.proname AS fn FROM pg_trigger t
        JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE p.proname LIKE 'polaris\\_capture\\_%' AND p.proname <> 'polaris_capture_item_change' ORDER BY 1`)
    ).rows.map((r) => `${r.tgname} on ${r.tbl} calls ${r.fn}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'polaris-sources-'));
    ctx = await TestContext.create('sources_declaration', { POLARIS_SOURCES: join(dir, 'absent.yaml') });
    await ctx.pg.query(SHOP);
    query = async <T>(sql: string, params: unknown[]) => (await ctx.pg.query(sql, params)).rows as T[];
  });

  afterAll(() => ctx.close());

  it('describes declared tables: default primary key (composite too), every column by default, column kinds', async () => {
    const { sources, warnings } = await loadSources(declare('ok.yaml', `sources:${CUSTOMERS}${ORDERS}`), query);
    const [customers, orders] = sources;
    expect(customers).toMatchObject({
      name: 'customers',
      tableName: 'shop.customers',
      table: '"shop"."customers"',
      primaryKey: ['id'],
      capture: 'trigger',
    });
    expect(customers.columns.balance).toMatchObject({ pgType: 'numeric(12,2)', kind: 'decimal' });
    expect(customers.capturedColumns).toEqual(['id', 'email', 'updated_at']);
    expect(orders.primaryKey).toEqual(['tenant_id', 'id']);
    expect(orders.keys[0].shape).toEqual({
      format: 'json',
      fields: { tenant_id: 'tenant_id', id: 'id', status: 'status', total: 'total', items: 'items', updated_at: 'updated_at' },
    });
    expect(warnings).toEqual([]);
  });

  it('warns when no index covers a key template', async () => {
    const { warnings } = await loadSources(
      declare(
        'tier.yaml',
        'sources:\n  - name: tiers\n    table: shop.customers\n    keys:\n      - {key: "tier:{tier}:{id}", format: json}\n',
      ),
      query,
    );
    expect(warnings).toEqual([expect.stringContaining('sources[0] (tiers).keys[0].key: no index of shop.customers covers (tier, id)')]);
  });

  it.each([
    ['an unknown table', 'table: shop.nope\n    keys: [{key: "x:{id}", format: json}]', 'sources[0] (bad).table: no table "shop.nope"'],
    ['an unqualified unknown table', 'table: nope\n    keys: [{key: "x:{id}", format: json}]', '(looked up on the search_path)'],
    [
      'an unknown key column',
      'table: shop.customers\n    keys: [{key: "x:{uid}", format: json}]',
      'sources[0] (bad).keys[0].key: no column "uid" in shop.customers',
    ],
    [
      'an unknown field column',
      'table: shop.customers\n    keys: [{key: "x:{id}", format: hash, fields: {mail: emial}}]',
      'keys[0].fields.mail: no column "emial"',
    ],
    [
      'an unknown string column',
      'table: shop.customers\n    keys: [{key: "x:{id}", format: string, column: nope}]',
      'keys[0].column: no column "nope"',
    ],
    [
      'an unknown primary key',
      'table: shop.customers\n    primaryKey: [uid]\n    keys: [{key: "x:{id}", format: json}]',
      'primaryKey[0]: no column "uid"',
    ],
    [
      'a text version',
      'table: shop.customers\n    version: email\n    keys: [{key: "x:{id}", format: json}]',
      'version: column "email" is text; a version must be an integer or a timestamp',
    ],
    [
      'a table without primary key',
      'table: shop.notes\n    keys: [{key: "x:{body}", format: json}]',
      'primaryKey: shop.notes has no primary key',
    ],
  ])('refuses %s, naming the source and the field', async (_, body, message) => {
    const file = declare('bad.yaml', `sources:\n  - name: bad\n    ${body}\n`);
    const err = await loadSources(file, query).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeclarationError);
    expect((err as Error).message).toContain(`${file} is not a valid sources declaration`);
    expect((err as Error).message).toContain(message);
  });

  it('refuses two templates that render the same keys', async () => {
    const file = declare(
      'overlap.yaml',
      'sources:\n  - name: a\n    table: shop.customers\n    keys:\n      - {key: "c:{id}", format: json}\n      - {key: "c:{email}", format: hash}\n',
    );
    await expect(loadSources(file, query)).rejects.toThrow(
      'sources[0] (a).keys[1].key: "c:{email}" renders the same keys as sources[0] (a).keys[0].key "c:{id}"',
    );
  });

  it('migrate installs a trigger per captured source, is idempotent, and removes triggers of sources gone or set to capture: none', async () => {
    const both = declare('both.yaml', `sources:${CUSTOMERS}${ORDERS.replace('capture: none', 'capture: trigger')}`);
    expect(await migrateSources(databaseConfig(), both)).toEqual({
      installed: ['customers on shop.customers', 'orders on shop.orders'],
      removed: [],
      warnings: [],
    });
    expect(await triggers()).toEqual([
      'polaris_capture_customers on shop.customers calls polaris.polaris_capture_customers',
      'polaris_capture_orders on shop.orders calls polaris.polaris_capture_orders',
    ]);
    expect(await migrateSources(databaseConfig(), both)).toEqual({ installed: [], removed: [], warnings: [] });

    expect(await migrateSources(databaseConfig(), declare('one.yaml', `sources:${CUSTOMERS}${ORDERS}`))).toMatchObject({
      installed: [],
      removed: ['polaris_capture_orders on shop.orders'],
    });
    expect(await triggers()).toEqual(['polaris_capture_customers on shop.customers calls polaris.polaris_capture_customers']);
    const functions = await ctx.pg.query(`SELECT proname FROM pg_proc WHERE proname = 'polaris_capture_orders'`);
    expect(functions.rows).toEqual([]); // dropped with its trigger
  });

  it('captures the key columns before and after each change, in the writing transaction', async () => {
    await migrateSources(databaseConfig(), declare('one.yaml', `sources:${CUSTOMERS}${ORDERS}`));
    await ctx.pg.query('DELETE FROM source_changes');
    const { rows } = await ctx.pg.query(`INSERT INTO shop.customers (email, tier) VALUES ('a@x.io', 'free') RETURNING id`);
    const id = rows[0].id;
    await ctx.pg.query(`UPDATE shop.customers SET email = 'b@x.io' WHERE id = $1`, [id]);
    await ctx.pg.query(`BEGIN; UPDATE shop.customers SET tier = 'pro' WHERE id = '${id}'; ROLLBACK;`);
    await ctx.pg.query(`DELETE FROM shop.customers WHERE id = $1`, [id]);
    await ctx.pg.query(`INSERT INTO shop.orders VALUES (1, 2, 'new', 3, '[]')`); // capture: none
    const changes = (await ctx.pg.query('SELECT source, op, old_keys, new_keys FROM source_changes ORDER BY id')).rows;
    expect(changes).toEqual([
      { source: 'customers', op: 'insert', old_keys: null, new_keys: { id, email: 'a@x.io', updated_at: expect.any(String) } },
      {
        source: 'customers',
        op: 'update',
        old_keys: { id, email: 'a@x.io', updated_at: expect.any(String) },
        new_keys: { id, email: 'b@x.io', updated_at: expect.any(String) },
      },
      { source: 'customers', op: 'delete', old_keys: { id, email: 'b@x.io', updated_at: expect.any(String) }, new_keys: null },
    ]);
    expect(changes[0].new_keys.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00$/); // ISO, microseconds, as compared
  });

  it("captures writes made under the application's own search_path", async () => {
    await ctx.pg.query('DELETE FROM source_changes');
    const client = await ctx.pg.connect();
    try {
      await client.query('SET search_path TO shop');
      await client.query(`INSERT INTO customers (email, tier) VALUES ('path@x.io', 'free')`);
    } finally {
      await client.query('RESET search_path');
      client.release();
    }
    const { rows } = await ctx.pg.query('SELECT source, op FROM source_changes');
    expect(rows).toEqual([{ source: 'customers', op: 'insert' }]);
  });

  it('GET /sources lists the built-in items and the declared sources, saying how each is guarded', async () => {
    ctx.configure({ POLARIS_SOURCES: join(dir, 'one.yaml') });
    await ctx.startApi();
    const res = await ctx.http('GET', '/sources');
    expect(res.status).toBe(200);
    expect(res.body.map((s: { name: string; builtIn: boolean }) => [s.name, s.builtIn])).toEqual([
      ['items', true],
      ['customers', false],
      ['orders', false],
    ]);
    expect(res.body[1].keys[2]).toEqual({
      key: 'customer:by-email:{email}',
      format: 'string',
      column: 'id',
      scanPattern: 'customer:by-email:*',
    });
    expect(res.body[2]).toMatchObject({
      capture: 'none',
      guardedBy: expect.stringContaining('no trigger'),
      primaryKey: ['tenant_id', 'id'],
    });
  });

  it('a bad declaration stops the worker and migrate with exit status 1, naming the field, without echoing secrets', async () => {
    const file = declare('boot.yaml', 'sources:\n  - name: bad\n    table: shop.customers\n    keys: [{key: "x:{nope}", format: json}]\n');
    const secretUrl = process.env.POSTGRES_URL!.replace('postgres@', 'postgres:S3cretPassw0rd@');
    for (const args of [['migrate'], []]) {
      const app = spawnApp('worker', { POLARIS_SOURCES: file, POSTGRES_URL: secretUrl, WORKER_HTTP_PORT: '0', LOG_LEVEL: 'info' }, args);
      const [code] = await app.exited;
      expect(code).toBe(1);
      expect(app.output()).toContain('sources[0] (bad).keys[0].key: no column "nope" in shop.customers');
      expect(app.output()).not.toContain('S3cretPassw0rd');
    }
  }, 60_000);
});
