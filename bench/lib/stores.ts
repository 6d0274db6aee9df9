import { spawnSync } from 'node:child_process';
import Redis, { Cluster } from 'ioredis';
import { Client } from 'pg';
import { sessionOptions } from '@app/database';
import { ItemRow, serializeCacheEntry, toItem } from '@app/items';
import { dropDatabase, removeKeys } from '@app/testing';
import { assertBenchRedisDb, Isolation, PG_SERVER, ROOT } from './cli';
import { WORKER_MAIN } from './build';
import { openQueues, Queues } from './polaris';

// ---- PostgreSQL -------------------------------------------------------------------------------

/** A fresh database, migrated by the built worker exactly as production does (`main.js migrate` creates it). */
export async function freshDatabase(iso: Isolation): Promise<void> {
  await dropDatabase(PG_SERVER, iso.database);
  const r = spawnSync(process.execPath, [WORKER_MAIN, 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', POSTGRES_URL: iso.postgresUrl },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`migrating ${iso.database} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
}

export async function connectPg(iso: Isolation): Promise<Client> {
  const pg = new Client({ connectionString: iso.postgresUrl, options: sessionOptions({ schema: 'polaris' }) });
  await pg.connect();
  return pg;
}

/**
 * Inserts `count` items with random ids and a realistic small JSON value (~150 bytes), without
 * firing the change-capture trigger (seeding is not a change for the relay to check). Returns the ids.
 */
export async function seedItems(pg: Client, count: number, table = 'items'): Promise<string[]> {
  await pg.query('SET session_replication_role = replica');
  try {
    for (let from = 1; from <= count; from += 50_000) {
      const to = Math.min(from + 50_000 - 1, count);
      await pg.query(
        `INSERT INTO ${table} (id, name, value, version)
         SELECT gen_random_uuid(), 'item-' || g,
                jsonb_build_object(
                  'n', g,
                  'color', (ARRAY['red', 'green', 'blue', 'amber'])[1 + g % 4],
                  'price', round((g % 10000) / 100.0, 2),
                  'tags', jsonb_build_array('t' || g % 10, 't' || g % 7),
                  'dims', jsonb_build_object('w', g % 100, 'h', g % 37, 'ok', g % 2 = 0)),
                1 + g % 3
           FROM generate_series($1::int, $2::int) AS g`,
        [from, to],
      );
    }
  } finally {
    await pg.query('RESET session_replication_role');
  }
  await pg.query(`VACUUM ANALYZE ${table}`);
  const { rows } = await pg.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`);
  return rows.map((r) => r.id);
}

/**
 * A plain copy of `items` for a bare baseline: the same columns, defaults, constraints and primary
 * key (LIKE … INCLUDING ALL), but no change-capture trigger (LIKE never copies triggers), same rows.
 */
export async function plainCopyOfItems(pg: Client, table: string): Promise<void> {
  await pg.query(`DROP TABLE IF EXISTS ${table}`);
  await pg.query(`CREATE TABLE ${table} (LIKE items INCLUDING ALL)`);
  await pg.query(`INSERT INTO ${table} SELECT * FROM items`);
  await pg.query(`VACUUM ANALYZE ${table}`);
  const { rows } = await pg.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`, [table]);
  if (rows[0].n !== 0) throw new Error(`${table} has triggers: it would not be a bare baseline`);
}

// ---- Redis ------------------------------------------------------------------------------------

/** A client on the run's Redis db, refusing any db that is not one of the benchmarks'. */
export function connectRedis(iso: Isolation): Redis {
  assertBenchRedisDb(iso.redisDb);
  return new Redis(iso.redisUrl, { maxRetriesPerRequest: null });
}

/** Empties what the run owns in Redis: the whole db for a full run (FLUSHDB), its key prefixes for a smoke run. */
export async function clearRedis(iso: Isolation, redis: Redis): Promise<void> {
  assertBenchRedisDb(iso.redisDb);
  const db = Number((await redis.client('INFO')).toString().match(/\bdb=(\d+)/)?.[1]);
  if (db !== iso.redisDb) throw new Error(`Redis client is on db ${db}, expected ${iso.redisDb}`);
  if (iso.ownsRedisDb) await redis.flushdb();
  else await removeKeys(redis, [iso.cachePrefix, iso.baselinePrefix, iso.queuePrefix]);
}

// ---- all of them ------------------------------------------------------------------------------

/**
 * The run's stores, fresh: a migrated database, a client on it, one on the run's Redis db (emptied)
 * and Polaris's queues. Closed at cleanup, and removed too unless the run keeps them (--keep).
 */
export async function openStores(
  iso: Isolation,
  keep: boolean,
  onCleanup: (fn: () => Promise<void>) => void,
): Promise<{ pg: Client; redis: Redis; queues: Queues }> {
  await freshDatabase(iso);
  const pg = await connectPg(iso);
  const redis = connectRedis(iso);
  const queues = openQueues(iso);
  onCleanup(async () => {
    await queues.close();
    await pg.end();
    if (!keep) {
      await clearRedis(iso, redis);
      await dropDatabase(PG_SERVER, iso.database);
    }
    await redis.quit();
  });
  await clearRedis(iso, redis);
  return { pg, redis, queues };
}

// ---- the cache, in the app's format -------------------------------------------------------------

/**
 * Writes every row of `table` into the cache exactly as Polaris does (serializeCacheEntry and
 * toItem from libs/items, key prefix + id, TTL), so reads are hits and checks find the pair consistent.
 */
export async function fillCache(
  pg: Client,
  redis: Redis | Cluster,
  { table = 'items', prefix, ttlSeconds }: { table?: string; prefix: string; ttlSeconds: number },
) {
  let after: string | null = null;
  let written = 0;
  for (;;) {
    const { rows }: { rows: ItemRow[] } = await pg.query(
      `SELECT id, name, value, version, created_at, updated_at FROM ${table}
        WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT 5000`,
      [after],
    );
    if (rows.length === 0) break;
    if (redis instanceof Cluster) {
      // One SET per key, auto-pipelined per master: a pipeline across slots would be refused.
      await Promise.all(rows.map((r) => redis.set(prefix + r.id, serializeCacheEntry(toItem(r)), 'EX', ttlSeconds)));
    } else {
      const pipeline = redis.pipeline();
      for (const r of rows) pipeline.set(prefix + r.id, serializeCacheEntry(toItem(r)), 'EX', ttlSeconds);
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    }
    written += rows.length;
    after = rows[rows.length - 1].id;
  }
  return written;
}

/**
 * Samples what the database's active backends are waiting on (pg_stat_activity) every `intervalMs`
 * until stopped: a histogram of "wait_event_type:wait_event" ("cpu" when not waiting), for finding
 * where a write path queues inside PostgreSQL. Uses its own connection.
 */
export async function sampleWaits(
  iso: Isolation,
  intervalMs = 20,
): Promise<{ stop(): Promise<{ samples: number; waits: Record<string, number> }> }> {
  const c = await connectPg(iso);
  const waits: Record<string, number> = {};
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await c.query<{ w: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu') AS w, count(*)::int AS n
           FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          GROUP BY 1`,
      );
      samples++;
      for (const r of rows) waits[r.w] = (waits[r.w] ?? 0) + r.n;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await c.end();
      return { samples, waits: Object.fromEntries(Object.entries(waits).sort((a, b) => b[1] - a[1])) };
    },
  };
}
