/**
 * The sources benchmark's data: where it lives (database, Redis db and key prefixes), the table of
 * accounts it declares as a source, the polaris.yaml files it gives the worker, and the cache filled
 * the way a Node application fills it (JSON.stringify of node-pg rows: bigint and numeric as text,
 * timestamps as ISO milliseconds).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { Client } from 'pg';
import { WORKER_MAIN } from './build';
import { Isolation, isolation, PG_SERVER, REDIS_SERVER, ROOT } from './cli';

export const TABLE = 'bench.accounts';
export const FORMATS = ['json', 'hash', 'string'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * A full run uses Redis db 14 (BENCH_REDIS_DB overrides) and never FLUSHDBs it: db 14 is also the
 * chaos benchmark's, so this run touches only keys under its own prefix (`bench-sources:`) and its
 * queue prefix, and removes exactly those. A smoke run is isolated as every smoke run is (db 15, pid
 * in every name). `keyPrefix` starts every key the benchmark's application writes; `baselinePrefix`
 * is set to it so that the shared clearRedis removes those keys too.
 */
export function sourcesIsolation(smoke: boolean): Isolation & { keyPrefix: string } {
  if (smoke) {
    const iso = isolation('sources', true);
    const keyPrefix = `bench:sources_smoke_${process.pid}:`;
    return { ...iso, baselinePrefix: keyPrefix, keyPrefix };
  }
  const redisDb = process.env.BENCH_REDIS_DB ? Number(process.env.BENCH_REDIS_DB) : 14;
  const keyPrefix = 'bench-sources:';
  return {
    name: 'sources',
    database: 'polaris_bench_sources',
    postgresUrl: `${PG_SERVER}/polaris_bench_sources`,
    redisDb,
    redisUrl: `${REDIS_SERVER}/${redisDb}`,
    cachePrefix: `${keyPrefix}item:`, // the built-in items' keys (there are none): still under this run's prefix
    baselinePrefix: keyPrefix,
    queuePrefix: '{bench-sources}',
    ownsRedisDb: false,
    keyPrefix,
  };
}

// ---- the table ----------------------------------------------------------------------------------

/**
 * `bench.accounts` with `rows` rows, seeded by generate_series. Timestamps carry microseconds (as
 * `now()` gives them), so the comparison of a JavaScript Date's milliseconds with them is exercised.
 */
export async function seedAccounts(pg: Client, rows: number): Promise<void> {
  await pg.query(`CREATE SCHEMA IF NOT EXISTS bench`);
  await pg.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await pg.query(
    `CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, email text NOT NULL, tier text NOT NULL, balance numeric(12,2) NOT NULL, updated_at timestamptz NOT NULL)`,
  );
  for (let from = 1; from <= rows; from += 250_000) {
    const to = Math.min(from + 250_000 - 1, rows);
    await pg.query(
      `INSERT INTO ${TABLE} (id, email, tier, balance, updated_at)
       SELECT g, 'user' || g || '@example.com', (ARRAY['free', 'pro', 'team', 'enterprise'])[1 + g % 4],
              round(((g::bigint * 7919) % 1000000) / 100.0, 2),
              timestamptz '2026-01-01 00:00:00+00' + g * interval '1.234567 second'
         FROM generate_series($1::bigint, $2::bigint) AS g`,
      [from, to],
    );
  }
  await pg.query(`VACUUM ANALYZE ${TABLE}`);
}

// ---- polaris.yaml ---------------------------------------------------------------------------------

export const sourceName = (format: Format) => `acct_${format}`;
/** The source of the capture part: the json key only (one key: one change, two checks). */
export const WATCH_SOURCE = 'acct_watch';

/** The key template of each format, under the run's prefix (declared keys carry no CACHE_KEY_PREFIX). */
export function templateOf(format: Format, keyPrefix: string): string {
  return `${keyPrefix}acct:{id}${format === 'json' ? '' : format === 'hash' ? ':h' : ':s'}`;
}
export function keyOf(format: Format, keyPrefix: string, id: string | number): string {
  return templateOf(format, keyPrefix).replace('{id}', String(id));
}

function keyBlock(format: Format, keyPrefix: string): string {
  const key = `      - key: "${templateOf(format, keyPrefix)}"\n        format: ${format}\n`;
  if (format === 'json') return key + `        fields: { id: id, email: email, tier: tier, balance: balance, updatedAt: updated_at }\n`;
  if (format === 'hash') return key + `        fields: { email: email, tier: tier, balance: balance }\n`;
  return key + `        column: email\n`;
}

/** A declaration of one source over bench.accounts. */
export function declaration(name: string, format: Format, keyPrefix: string, capture: 'trigger' | 'none'): string {
  return [
    'sources:',
    `  - name: ${name}`,
    `    table: ${TABLE}`,
    `    version: updated_at`,
    `    capture: ${capture}`,
    `    keys:`,
    keyBlock(format, keyPrefix),
  ].join('\n');
}

export function writeDeclaration(dir: string, file: string, text: string): string {
  const path = join(dir, file);
  writeFileSync(path, text);
  return path;
}

/** `main.js migrate` with POLARIS_SOURCES: migrations, then the capture triggers made to match the file. */
export function migrateSources(iso: Isolation, file: string): string {
  const r = spawnSync(process.execPath, [WORKER_MAIN, 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', POSTGRES_URL: iso.postgresUrl, POLARIS_SOURCES: file },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`migrate with ${file} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// ---- the cache ----------------------------------------------------------------------------------

interface AccountRow {
  id: string; // bigint: text in node-pg
  email: string;
  tier: string;
  balance: string; // numeric: text in node-pg
  updated_at: Date;
}

/** The entry a Node application writes for an account, in each format. */
function writeEntry(pipeline: ReturnType<Redis['pipeline']>, format: Format, key: string, r: AccountRow, ttlS: number): void {
  if (format === 'json') {
    pipeline.set(key, JSON.stringify({ id: r.id, email: r.email, tier: r.tier, balance: r.balance, updatedAt: r.updated_at }), 'EX', ttlS);
  } else if (format === 'hash') {
    pipeline.hset(key, { email: r.email, tier: r.tier, balance: r.balance });
    pipeline.expire(key, ttlS);
  } else {
    pipeline.set(key, r.email, 'EX', ttlS);
  }
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const failed = (await pipeline.exec())?.find(([err]) => err);
  if (failed) throw failed[0];
}

/** Caches every row in one format, page by page (5000 rows, one pipeline each). */
export async function fillFormat(pg: Client, redis: Redis, format: Format, keyPrefix: string, ttlS: number): Promise<number> {
  let after = '0';
  let written = 0;
  for (;;) {
    const { rows } = await pg.query<AccountRow>(
      `SELECT id, email, tier, balance, updated_at FROM ${TABLE} WHERE id > $1 ORDER BY id LIMIT 5000`,
      [after],
    );
    if (rows.length === 0) return written;
    const pipeline = redis.pipeline();
    for (const r of rows) writeEntry(pipeline, format, keyOf(format, keyPrefix, r.id), r, ttlS);
    await execOrThrow(pipeline);
    written += rows.length;
    after = rows[rows.length - 1].id;
  }
}

/** Removes one format's entries (ids 1..rows and the orphans), by name: no SCAN of the db. */
export async function removeFormat(redis: Redis, format: Format, keyPrefix: string, ids: Iterable<number>): Promise<void> {
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length) await redis.unlink(...batch);
    batch = [];
  };
  for (const id of ids) {
    batch.push(keyOf(format, keyPrefix, id));
    if (batch.length === 5000) await flush();
  }
  await flush();
}

export interface Injected {
  /** Rows whose entry was changed to differ from them (json: an older version; hash, string: another value). */
  stale: number[];
  /** Keys written for ids that have no row. */
  orphans: number[];
}

/**
 * Makes `stale` entries differ from their rows and writes `orphans` entries without a row, in the
 * format's own way: json an older version of the row (another tier, updatedAt an hour earlier: the
 * sweep reads it as stale), hash another balance, string another email (diverged: no version held).
 */
export async function injectMismatches(
  pg: Client,
  redis: Redis,
  format: Format,
  keyPrefix: string,
  { rows, stale, orphans, ttlS }: { rows: number; stale: number; orphans: number; ttlS: number },
): Promise<Injected> {
  const { rows: picked } = await pg.query<AccountRow>(
    `SELECT id, email, tier, balance, updated_at FROM ${TABLE} ORDER BY random() LIMIT $1`,
    [stale],
  );
  if (picked.length !== stale) throw new Error(`meant to pick ${stale} rows to make stale, got ${picked.length}`);
  const pipeline = redis.pipeline();
  for (const r of picked) {
    const older: AccountRow = {
      ...r,
      tier: `${r.tier}-old`,
      email: `old-${r.email}`,
      balance: (Number(r.balance) + 1).toFixed(2),
      updated_at: new Date(r.updated_at.getTime() - 3_600_000),
    };
    writeEntry(pipeline, format, keyOf(format, keyPrefix, r.id), older, ttlS);
  }
  const orphanIds = Array.from({ length: orphans }, (_, i) => rows + 1000 + i);
  for (const id of orphanIds) {
    writeEntry(
      pipeline,
      format,
      keyOf(format, keyPrefix, id),
      { id: String(id), email: `ghost${id}@example.com`, tier: 'free', balance: '0.00', updated_at: new Date() },
      ttlS,
    );
  }
  await execOrThrow(pipeline);
  return { stale: picked.map((r) => Number(r.id)).sort((a, b) => a - b), orphans: orphanIds };
}
