import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import Redis from 'ioredis';
import { Pool } from 'pg';

/**
 * The shop example (examples/shop) is the ground truth for "guard your own tables": run as a child
 * process against its own database and key prefix, its `correct` mode must leave no key wrong, and in
 * each bug mode every key its truth file says is still wrong must be wrong, and no other key. "Wrong" is
 * decided by the small checker below, written independently of the example's code.
 */

const ROOT = join(__dirname, '..');
const SHOP = join(ROOT, 'examples/shop/shop.js');
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE = `polaris_test_example_shop_${process.pid}`;
const PREFIX = `test:example_shop_${process.pid}:`;
const BUG_MODES = ['stale-set', 'forget-old-key', 'skip-invalidate', 'sql'];
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const execFileAsync = promisify(execFile);

interface TruthEvent {
  at: string;
  event: 'wrong' | 'fixed';
  key: string;
  mode: string;
  reason: string;
}

/** Runs `node examples/shop/shop.js ...args` with the spec's database and `prefix`; returns its summary line. */
async function shop(args: string[], prefix = PREFIX): Promise<any> {
  const { stdout } = await execFileAsync(process.execPath, [SHOP, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `${POSTGRES}/${DATABASE}`, REDIS_URL: REDIS, KEY_PREFIX: prefix },
    timeout: 60_000,
  });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1); // quiet: one summary line, nothing else
  return JSON.parse(lines[0]);
}

const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/**
 * The independent checker: every key under `prefix`, parsed by its shape and compared with its row.
 * Returns the wrong keys with what is wrong with each.
 */
async function wrongKeys(redis: Redis, pg: Pool, prefix: string): Promise<Map<string, string>> {
  const customers = new Map<string, any>();
  for (const row of (await pg.query('SELECT * FROM shop.customers')).rows) customers.set(row.id, row);
  const orders = new Map<string, any>();
  for (const row of (await pg.query('SELECT * FROM shop.orders')).rows) orders.set(`${row.tenant_id}:${row.id}`, row);
  const byEmail = new Map([...customers.values()].map((row) => [row.email, row]));

  const wrong = new Map<string, string>();
  const differing = (pairs: [string, unknown, unknown][]) =>
    pairs.filter(([, cached, db]) => !isDeepStrictEqual(cached, db)).map(([f]) => f);
  const parse = (text: string | null) => {
    try {
      return JSON.parse(text ?? 'null');
    } catch {
      return null;
    }
  };

  for (const key of await keysUnder(redis, prefix)) {
    const rest = key.slice(prefix.length);
    let m: RegExpExecArray | null;
    let problem: string | null = null;
    if ((m = /^customer:by-email:(.+)$/.exec(rest))) {
      const id = await redis.get(key);
      const owner = byEmail.get(m[1]);
      if (!owner) problem = `no customer has email ${m[1]}`;
      else if (owner.id !== id) problem = `points to ${id}, the customer with that email is ${owner.id}`;
    } else if ((m = /^customer:([0-9a-f-]{36}):profile$/.exec(rest))) {
      const row = customers.get(m[1]);
      const hash = await redis.hgetall(key);
      if (!row) problem = 'no such customer';
      else {
        const bad = differing([
          ['email', hash.email, row.email],
          ['tier', hash.tier, row.tier],
        ]);
        if (bad.length) problem = `fields differ: ${bad.join(', ')}`;
      }
    } else if ((m = /^customer:([0-9a-f-]{36})$/.exec(rest))) {
      const row = customers.get(m[1]);
      const doc = parse(await redis.get(key));
      if (!row) problem = 'no such customer';
      else if (!doc || typeof doc !== 'object') problem = 'not a JSON object';
      else {
        const bad = differing([
          ['id', doc.id, row.id],
          ['email', doc.email, row.email],
          ['tier', doc.tier, row.tier],
          ['balance', doc.balance, row.balance],
          ['createdAt', doc.createdAt, row.created_at.toISOString()],
          ['updatedAt', doc.updatedAt, row.updated_at.toISOString()],
        ]);
        if (bad.length) problem = `fields differ: ${bad.join(', ')}`;
      }
    } else if ((m = /^order:(\d+):(\d+):status$/.exec(rest))) {
      const row = orders.get(`${m[1]}:${m[2]}`);
      const status = await redis.get(key);
      if (!row) problem = 'no such order';
      else if (status !== row.status) problem = `status ${status}, row says ${row.status}`;
    } else if ((m = /^order:(\d+):(\d+)$/.exec(rest))) {
      const row = orders.get(`${m[1]}:${m[2]}`);
      const doc = parse(await redis.get(key));
      if (!row) problem = 'no such order';
      else if (!doc || typeof doc !== 'object') problem = 'not a JSON object';
      else {
        const bad = differing([
          ['tenantId', doc.tenantId, row.tenant_id],
          ['id', doc.id, row.id],
          ['status', doc.status, row.status],
          ['total', doc.total, row.total],
          ['items', doc.items, row.items],
          ['updatedAt', doc.updatedAt, row.updated_at.toISOString()],
        ]);
        if (bad.length) problem = `fields differ: ${bad.join(', ')}`;
      }
    } else {
      problem = 'not a key of the cache layout';
    }
    if (problem) wrong.set(key, problem);
  }
  return wrong;
}

function readTruth(file: string): TruthEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Keys whose last event in the file is "wrong". */
function stillWrong(events: TruthEvent[]): string[] {
  const last = new Map<string, string>();
  for (const e of events) last.set(e.key, e.event);
  return [...last].filter(([, event]) => event === 'wrong').map(([key]) => key);
}

describe('examples/shop: the cache-aside app that is the ground truth for guarded tables', () => {
  let admin: Pool;
  let pg: Pool;
  let redis: Redis;
  let dir: string;

  beforeAll(async () => {
    admin = new Pool({ connectionString: `${POSTGRES}/postgres`, max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${DATABASE}"`);
    pg = new Pool({ connectionString: `${POSTGRES}/${DATABASE}`, max: 2 });
    redis = new Redis(REDIS);
    dir = mkdtempSync(join(tmpdir(), 'polaris-example-shop-'));
  });

  afterAll(async () => {
    await pg?.end();
    if (redis) {
      const keys = await keysUnder(redis, PREFIX);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
    }
    await admin?.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
    await admin?.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('setup creates the tables and seeds rows, and is idempotent', async () => {
    const first = await shop(['setup', '--customers', '40', '--orders', '60']);
    expect(first).toMatchObject({ command: 'setup', customers: 40, orders: 60, inserted: { customers: 40, orders: 60 } });

    const columns = await pg.query(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'shop' ORDER BY table_name, ordinal_position`,
    );
    const shape = columns.rows.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}`);
    expect(shape).toEqual([
      'customers.id uuid not null',
      'customers.email text not null',
      'customers.tier text not null',
      'customers.balance numeric not null',
      'customers.created_at timestamp with time zone not null',
      'customers.updated_at timestamp with time zone not null',
      'orders.tenant_id integer not null',
      'orders.id bigint not null',
      'orders.status text not null',
      'orders.total numeric not null',
      'orders.items jsonb not null',
      'orders.updated_at timestamp with time zone not null',
    ]);
    const primaryKey = await pg.query(
      `SELECT array_agg(a.attname::text ORDER BY k.n) AS columns FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = 'shop.orders'::regclass AND i.indisprimary`,
    );
    expect(primaryKey.rows[0].columns).toEqual(['tenant_id', 'id']);

    const again = await shop(['setup', '--customers', '40', '--orders', '60']);
    expect(again).toMatchObject({ customers: 40, orders: 60, inserted: { customers: 0, orders: 0 } });
    const counts = await pg.query('SELECT (SELECT count(*) FROM shop.customers)::int AS c, (SELECT count(*) FROM shop.orders)::int AS o');
    expect(counts.rows[0]).toEqual({ c: 40, o: 60 });
  });

  it.each([
    ['spread over every row', []],
    ['contended: 3 hot rows per table, up to 5 ms between each DB step and its cache step', ['--hot', '3', '--jitter', '5']],
  ])('correct mode, 8 workers, %s: no key under the prefix is wrong, and the truth file logs no wrong key', async (_, extra) => {
    const prefix = `${PREFIX}correct${extra.length ? '-hot' : ''}:`;
    const truth = join(dir, `correct${extra.length ? '-hot' : ''}.jsonl`);
    const summary = await shop(
      ['run', '--mode', 'correct', '--concurrency', '8', '--ops', '3000', '--duration', '5', '--warm', '--truth', truth, ...extra],
      prefix,
    );
    expect(summary).toMatchObject({ command: 'run', mode: 'correct', errors: 0, buggy: 0, wrongLogged: 0, stillWrong: 0 });
    expect(summary.ops.read).toBeGreaterThan(0);
    expect(summary.ops.update).toBeGreaterThan(0);
    expect(summary.readMisses).toBeGreaterThan(0);
    expect(summary.emailChanges).toBeGreaterThan(0);

    expect((await keysUnder(redis, prefix)).length).toBeGreaterThan(50);
    expect(Object.fromEntries(await wrongKeys(redis, pg, prefix))).toEqual({});
    expect(readTruth(truth).filter((e) => e.event === 'wrong')).toEqual([]);
  });

  it('the checker flags every kind of wrong key, and only those', async () => {
    const prefix = `${PREFIX}checker:`;
    const [a, b] = (await pg.query('SELECT * FROM shop.customers ORDER BY id LIMIT 2')).rows;
    const order = (await pg.query('SELECT * FROM shop.orders ORDER BY tenant_id, id LIMIT 1')).rows[0];
    const customerDoc = (row: any) => ({
      id: row.id,
      email: row.email,
      tier: row.tier,
      balance: row.balance,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      displayName: 'ignored, not a mapped field',
    });
    const orderDoc = {
      tenantId: order.tenant_id,
      id: order.id,
      status: order.status,
      total: order.total,
      items: order.items,
      updatedAt: order.updated_at,
    };
    const o = `order:${order.tenant_id}:${order.id}`;

    // Right: a's keys and the order's.
    await redis.set(`${prefix}customer:${a.id}`, JSON.stringify(customerDoc(a)));
    await redis.hset(`${prefix}customer:${a.id}:profile`, { email: a.email, tier: a.tier });
    await redis.set(`${prefix}customer:by-email:${a.email}`, a.id);
    await redis.set(`${prefix}${o}`, JSON.stringify({ ...orderDoc, items: [...order.items].map((i: any) => ({ ...i })) }));
    await redis.set(`${prefix}${o}:status`, order.status);
    // Wrong: one of each kind.
    const tampered = {
      [`${prefix}customer:${b.id}`]: JSON.stringify({ ...customerDoc(b), balance: `${b.balance}1` }),
      [`${prefix}customer:by-email:${b.email}`]: a.id,
      [`${prefix}customer:by-email:nobody@example.com`]: b.id,
      [`${prefix}order:${order.tenant_id}:999999999`]: JSON.stringify(orderDoc),
      [`${prefix}order:0:1:status`]: 'paid',
    };
    for (const [key, value] of Object.entries(tampered)) await redis.set(key, value);
    await redis.hset(`${prefix}customer:${b.id}:profile`, { email: b.email, tier: `${b.tier}-not` });
    await redis.set(`${prefix}somewhere:else`, 'x');

    const expected = [...Object.keys(tampered), `${prefix}customer:${b.id}:profile`, `${prefix}somewhere:else`].sort();
    expect([...(await wrongKeys(redis, pg, prefix)).keys()].sort()).toEqual(expected);

    // And a changed row makes its right keys wrong.
    await pg.query(`UPDATE shop.orders SET items = items || '[{"sku":"SKU-EXTRA","qty":1,"price":1}]' WHERE tenant_id = $1 AND id = $2`, [
      order.tenant_id,
      order.id,
    ]);
    const after = await wrongKeys(redis, pg, prefix);
    expect(after.get(`${prefix}${o}`)).toBe('fields differ: items');
    expect(after.has(`${prefix}${o}:status`)).toBe(false);
  });

  it.each(BUG_MODES)(
    '%s: the truth file logs wrong keys, and the keys it says are still wrong are exactly the wrong ones',
    async (mode) => {
      const prefix = `${PREFIX}${mode}:`;
      const truth = join(dir, `${mode}.jsonl`);
      const summary = await shop(
        ['run', '--mode', mode, '--bug-rate', '0.5', '--concurrency', '8', '--ops', '2000', '--duration', '8', '--warm', '--truth', truth],
        prefix,
      );
      expect(summary).toMatchObject({ command: 'run', mode, errors: 0 });
      expect(summary.buggy).toBeGreaterThan(0);

      const events = readTruth(truth);
      const wrongEvents = events.filter((e) => e.event === 'wrong');
      expect(wrongEvents.length).toBeGreaterThan(0);
      expect(summary.wrongLogged).toBe(wrongEvents.length);
      for (const e of events) {
        expect(e.at).toMatch(ISO_MS);
        expect(e.key.startsWith(prefix)).toBe(true);
        expect(e.mode).toBe(mode);
        expect(typeof e.reason).toBe('string');
      }
      for (const e of wrongEvents) expect(e.reason.startsWith(`${mode}:`)).toBe(true);
      if (mode === 'forget-old-key') for (const e of wrongEvents) expect(e.key.startsWith(`${prefix}customer:by-email:`)).toBe(true);

      const claimed = stillWrong(events).sort();
      expect(claimed.length).toBeGreaterThan(0);
      expect(summary.stillWrong).toBe(claimed.length);
      const found = await wrongKeys(redis, pg, prefix);
      expect(claimed.filter((key) => !found.has(key))).toEqual([]); // every key it claims is wrong is wrong
      expect([...found.keys()].filter((key) => !claimed.includes(key))).toEqual([]); // and it left no other key wrong
    },
    60_000,
  );
});
