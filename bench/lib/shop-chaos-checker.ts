/**
 * An independent checker for the example shop's cache (examples/shop), written apart from the
 * example's code and from Polaris's: each key is parsed by its shape, read from Redis, and compared
 * with its row field by field (the same rules as test/example-shop.e2e-spec.ts). The sources chaos
 * run uses it to verify, once the load has stopped, that the keys the truth file says are still wrong
 * really are wrong, and that no other key is.
 */
import { isDeepStrictEqual } from 'node:util';
import type Redis from 'ioredis';
import type { Client } from 'pg';

/** Why a key is wrong, or null when it is right; `absent` keys (a miss) are not wrong. */
export type Verdict = { state: 'absent' } | { state: 'right' } | { state: 'wrong'; problem: string };

interface Rows {
  customers: Map<string, any>;
  orders: Map<string, any>;
  byEmail: Map<string, any>;
}

async function loadRows(pg: Client): Promise<Rows> {
  const customers = new Map<string, any>();
  for (const row of (await pg.query('SELECT * FROM shop.customers')).rows) customers.set(row.id, row);
  const orders = new Map<string, any>();
  for (const row of (await pg.query('SELECT * FROM shop.orders')).rows) orders.set(`${row.tenant_id}:${row.id}`, row);
  return { customers, orders, byEmail: new Map([...customers.values()].map((row) => [row.email, row])) };
}

const parse = (text: string | null) => {
  try {
    return JSON.parse(text ?? 'null');
  } catch {
    return null;
  }
};
const differing = (pairs: [string, unknown, unknown][]) => pairs.filter(([, cached, db]) => !isDeepStrictEqual(cached, db)).map(([f]) => f);
const fields = (bad: string[]) => (bad.length ? `fields differ: ${bad.join(', ')}` : null);

/** The verdict on one key (without `prefix`) from what Redis holds (GET's string or HGETALL's object). */
function judge(rest: string, stored: string | Record<string, string> | null, rows: Rows): Verdict {
  const exists = stored !== null && (typeof stored === 'string' || Object.keys(stored).length > 0);
  if (!exists) return { state: 'absent' };
  let m: RegExpExecArray | null;
  let problem: string | null;
  if ((m = /^customer:by-email:(.+)$/.exec(rest))) {
    const owner = rows.byEmail.get(m[1]);
    problem = !owner ? `no customer has email ${m[1]}` : owner.id !== stored ? `points to ${stored}, the customer is ${owner.id}` : null;
  } else if ((m = /^customer:([0-9a-f-]{36}):profile$/.exec(rest))) {
    const row = rows.customers.get(m[1]);
    const hash = stored as Record<string, string>;
    problem = !row
      ? 'no such customer'
      : fields(
          differing([
            ['email', hash.email, row.email],
            ['tier', hash.tier, row.tier],
          ]),
        );
  } else if ((m = /^customer:([0-9a-f-]{36})$/.exec(rest))) {
    const row = rows.customers.get(m[1]);
    const doc = parse(stored as string);
    problem = !row
      ? 'no such customer'
      : !doc || typeof doc !== 'object'
        ? 'not a JSON object'
        : fields(
            differing([
              ['id', doc.id, row.id],
              ['email', doc.email, row.email],
              ['tier', doc.tier, row.tier],
              ['balance', doc.balance, row.balance],
              ['createdAt', doc.createdAt, row.created_at.toISOString()],
              ['updatedAt', doc.updatedAt, row.updated_at.toISOString()],
            ]),
          );
  } else if ((m = /^order:(\d+):(\d+):status$/.exec(rest))) {
    const row = rows.orders.get(`${m[1]}:${m[2]}`);
    problem = !row ? 'no such order' : stored !== row.status ? `status ${stored as string}, row says ${row.status}` : null;
  } else if ((m = /^order:(\d+):(\d+)$/.exec(rest))) {
    const row = rows.orders.get(`${m[1]}:${m[2]}`);
    const doc = parse(stored as string);
    problem = !row
      ? 'no such order'
      : !doc || typeof doc !== 'object'
        ? 'not a JSON object'
        : fields(
            differing([
              ['tenantId', doc.tenantId, row.tenant_id],
              ['id', doc.id, row.id],
              ['status', doc.status, row.status],
              ['total', doc.total, row.total],
              ['items', doc.items, row.items],
              ['updatedAt', doc.updatedAt, row.updated_at.toISOString()],
            ]),
          );
  } else {
    problem = 'not a key of the cache layout';
  }
  return problem ? { state: 'wrong', problem } : { state: 'right' };
}

const isProfile = (key: string) => key.endsWith(':profile');

async function read(redis: Redis, keys: readonly string[]): Promise<(string | Record<string, string> | null)[]> {
  const out: (string | Record<string, string> | null)[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(i, i + 1000)) {
      if (isProfile(key)) pipeline.hgetall(key);
      else pipeline.get(key);
    }
    for (const [err, value] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      out.push(value as string | Record<string, string> | null);
    }
  }
  return out;
}

async function scan(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/**
 * Verdicts on `keys` (full keys, `prefix` included), and every wrong key among all the shop's keys
 * under `prefix` (SCAN of `<prefix>customer:*` and `<prefix>order:*`).
 */
export async function checkShopCache(
  redis: Redis,
  pg: Client,
  prefix: string,
  keys: readonly string[],
): Promise<{ verdicts: Map<string, Verdict>; scanned: number; wrong: Map<string, string> }> {
  const rows = await loadRows(pg);
  const glob = prefix.replace(/[*?[\]\\]/g, '\\$&');
  const all = [...new Set([...(await scan(redis, `${glob}customer:*`)), ...(await scan(redis, `${glob}order:*`))])];
  const asked = [...new Set(keys)];
  const [askedValues, allValues] = [await read(redis, asked), await read(redis, all)];
  const verdicts = new Map(asked.map((key, i) => [key, judge(key.slice(prefix.length), askedValues[i], rows)]));
  const wrong = new Map<string, string>();
  all.forEach((key, i) => {
    const v = judge(key.slice(prefix.length), allValues[i], rows);
    if (v.state === 'wrong') wrong.set(key, v.problem);
  });
  return { verdicts, scanned: all.length, wrong };
}
