/**
 * Part 1 of the sources benchmark: one full sweep pass over a declared source, by the built worker
 * and by a bare loop in the harness process doing the same work with no framework.
 */
import type Redis from 'ioredis';
import { types } from 'pg';
import type { Client } from 'pg';
import { freePort, removeKeys } from '@app/testing';
import type { Isolation } from './cli';
import { Queues, startWorker } from './polaris';
import { httpRequest, waitUntil } from './processes';
import { Format, keyOf, TABLE } from './sources-setup';

export interface SweepRound {
  /** The whole pass: rows phase, then the orphan scan. */
  seconds: number;
  /** Rows phase alone (Polaris: from its /metrics polls, ± 0.1 s). */
  rowsPhaseS: number;
  /** Orphan scan alone (Polaris: pass − rows phase). */
  keysPhaseS: number;
  /** Rows per second of the whole pass. */
  rowsPerSec: number;
  rows: number;
  /** Keys the orphan scan saw. */
  keys: number;
  staleFound: number;
  orphansFound: number;
}

/** A Prometheus sample with every given label (sum over the others). */
export function labelledSum(metricsText: string, metric: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(metric + '{')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

// ---- the bare loop ------------------------------------------------------------------------------

/** Exact decimal equality on text ('12.5' = '12.50' = '012.5'); a JSON number is compared by its text. */
export function decimalEq(cached: unknown, db: string): boolean {
  const text = typeof cached === 'string' ? cached : typeof cached === 'number' ? String(cached) : null;
  if (text === null) return false;
  if (text === db) return true;
  const a = canonicalDecimal(text);
  return a !== null && a === canonicalDecimal(db);
}
function canonicalDecimal(t: string): string | null {
  const m = /^([+-]?)0*(\d*)(?:\.(\d*?)0*)?$/.exec(t);
  if (!m || (m[2] === '' && m[3] === undefined)) return null;
  const whole = m[2];
  const fraction = m[3] ?? '';
  if (/^0*$/.test(whole + fraction)) return '0';
  return `${m[1] === '-' ? '-' : ''}${whole || '0'}.${fraction}`;
}

interface BareRow {
  id: string;
  email: string;
  tier: string;
  balance: string;
  updated_at: Date | string; // a Date for the json format, else the text as selected (not compared)
}

/** null: no entry (a miss, not a mismatch); true / false: equal to the row or not. */
function bareEquals(format: Format, row: BareRow, value: unknown): boolean | null {
  if (format === 'hash') {
    const h = value as Record<string, string> | null;
    if (!h || Object.keys(h).length === 0) return null;
    return h.email === row.email && h.tier === row.tier && decimalEq(h.balance, row.balance);
  }
  if (value === null) return null;
  if (format === 'string') return value === row.email;
  let e: unknown;
  try {
    e = JSON.parse(value as string);
  } catch {
    return false;
  }
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
  const o = e as Record<string, unknown>;
  return (
    decimalEq(o.id, row.id) &&
    o.email === row.email &&
    o.tier === row.tier &&
    decimalEq(o.balance, row.balance) &&
    typeof o.updatedAt === 'string' &&
    Date.parse(o.updatedAt) === (row.updated_at as Date).getTime()
  );
}

/**
 * The bare loop: keyset SELECT of `batch` rows (the same columns Polaris reads), one read of the
 * page's keys (MGET for json and string, pipelined HGETALL for hash), a per-field compare (JSON.parse,
 * text, decimal, instant), one page after another; then a SCAN MATCH of the key pattern, asking
 * PostgreSQL which of each step's ids have a row (`id = ANY`), as Polaris's orphan phase does.
 */
export async function bareSweep(pg: Client, redis: Redis, format: Format, keyPrefix: string, batch: number): Promise<SweepRound> {
  const [pre, suf] = keyOf(format, keyPrefix, '\0').split('\0');
  const columns = 'id, email, tier, balance, updated_at';
  const first = `SELECT ${columns} FROM ${TABLE} ORDER BY id LIMIT ${batch}`;
  const next = `SELECT ${columns} FROM ${TABLE} WHERE id > $1 ORDER BY id LIMIT ${batch}`;
  // node-pg parses timestamptz into a Date; only the json entry holds the timestamp, so only there is it parsed.
  const rawTimestamps = {
    getTypeParser: (oid: number, f?: 'text' | 'binary') => (oid === 1184 ? (v: string) => v : types.getTypeParser(oid, f)),
  };
  const query = (text: string, values: unknown[]) =>
    pg.query<BareRow>(format === 'json' ? { text, values } : { text, values, types: rawTimestamps as typeof types });
  const started = performance.now();
  let after: string | null = null;
  let rows = 0;
  let staleFound = 0;
  for (;;) {
    const page: BareRow[] = (after === null ? await query(first, []) : await query(next, [after])).rows;
    if (page.length === 0) break;
    const keys = page.map((r) => pre + r.id + suf);
    let values: unknown[];
    if (format === 'hash') {
      const pipeline = redis.pipeline();
      for (const k of keys) pipeline.hgetall(k);
      values = ((await pipeline.exec()) ?? []).map(([err, v]) => {
        if (err) throw err;
        return v;
      });
    } else {
      values = await redis.mget(keys);
    }
    for (let i = 0; i < page.length; i++) if (bareEquals(format, page[i], values[i]) === false) staleFound++;
    rows += page.length;
    if (page.length < batch) break;
    after = page[page.length - 1].id;
  }
  const rowsDone = performance.now();

  const pattern = `${pre.replace(/[*?[\]\\]/g, '\\$&')}*${suf.replace(/[*?[\]\\]/g, '\\$&')}`;
  let cursor = '0';
  let keys = 0;
  let orphansFound = 0;
  do {
    const [nextCursor, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', batch);
    cursor = nextCursor;
    keys += found.length;
    const ids = found.map((k) => k.slice(pre.length, k.length - suf.length)).filter((id) => /^\d{1,18}$/.test(id));
    if (ids.length === 0) continue;
    const { rows: present } = await pg.query<{ id: string }>(`SELECT id FROM ${TABLE} WHERE id = ANY($1::bigint[])`, [ids]);
    const have = new Set(present.map((r) => r.id));
    for (const id of ids) if (!have.has(id)) orphansFound++;
  } while (cursor !== '0');
  const done = performance.now();
  const seconds = (done - started) / 1000;
  return {
    seconds,
    rowsPhaseS: (rowsDone - started) / 1000,
    keysPhaseS: (done - rowsDone) / 1000,
    rowsPerSec: rows / seconds,
    rows,
    keys,
    staleFound,
    orphansFound,
  };
}

// ---- Polaris ------------------------------------------------------------------------------------

export interface PolarisPassOptions {
  iso: Isolation;
  queues: Queues;
  pg: Client;
  redis: Redis;
  source: string;
  declarationFile: string;
  rows: number;
  orphans: number;
  batch: number;
  roundLimitS: number;
  profileDir?: string;
  verbose?: boolean;
}

/** Nothing left by an earlier round: no records, no sweep cursors, no queued checks or bookkeeping. */
export async function resetPolaris(pg: Client, redis: Redis, iso: Isolation, queues: Queues): Promise<void> {
  await pg.query('TRUNCATE inconsistencies, sweeper_state, source_sweep_state, item_changes, source_changes');
  await Promise.all([queues.checks.obliterate({ force: true }), queues.confirmations.obliterate({ force: true })]);
  await removeKeys(redis, [iso.queuePrefix]);
}

/**
 * One full pass by the built worker (relay off, sweeper on, one tick per pass) over the declared
 * source `source`: the pass time is the worker's own `source_sweep_state.last_pass_ms`; the phases
 * are split at the first /metrics poll (every 100 ms) that sees the orphan scan's counter move.
 */
export async function polarisSweepPass(o: PolarisPassOptions): Promise<SweepRound> {
  await resetPolaris(o.pg, o.redis, o.iso, o.queues);
  const port = await freePort();
  const child = await startWorker(o.iso, o.queues, {
    profileDir: o.profileDir,
    verbose: o.verbose,
    env: {
      WORKER_HTTP_PORT: String(port),
      POLARIS_SOURCES: o.declarationFile,
      RELAY_ENABLED: 'false',
      SWEEP_ENABLED: 'true',
      SWEEP_INTERVAL_MS: '2000', // the first tick 2 s after boot; the pass is read before a second one ends
      SWEEP_BATCH_SIZE: String(o.batch),
      // rows + keys (an empty SCAN step counts one), with room for the SCAN steps over other keys in the db
      SWEEP_MAX_ITEMS_PER_TICK: String(2 * (o.rows + o.orphans) + 1_000_000),
    },
  });
  try {
    const metrics = async () => (await httpRequest(`http://127.0.0.1:${port}/metrics`)).body;
    const seen: { rows?: number; keys?: number } = {};
    const done = await waitUntil(
      `one sweep pass of ${o.source}`,
      async () => {
        const m = await metrics();
        const at = performance.now();
        if (seen.rows === undefined && labelledSum(m, 'polaris_sweep_items_total', { phase: 'items', source: o.source }) > 0)
          seen.rows = at;
        if (seen.keys === undefined && labelledSum(m, 'polaris_sweep_items_total', { phase: 'keys', source: o.source }) > 0) seen.keys = at;
        const { rows } = await o.pg.query<{ passes: string; last_pass_ms: number | null }>(
          `SELECT passes, last_pass_ms FROM source_sweep_state WHERE source = $1`,
          [o.source],
        );
        return rows[0] && Number(rows[0].passes) >= 1 ? { m: await metrics(), ms: rows[0].last_pass_ms! } : null;
      },
      { timeoutMs: o.roundLimitS * 1000, intervalMs: 100, watch: [child] },
    );
    const seconds = done.ms / 1000;
    // NaN when one poll saw both phases start (a pass of a few hundred milliseconds).
    const rowsPhaseS = seen.rows !== undefined && seen.keys !== undefined && seen.keys > seen.rows ? (seen.keys - seen.rows) / 1000 : NaN;
    const count = (metric: string, phase: string) => labelledSum(done.m, metric, { phase, source: o.source });
    const rows = count('polaris_sweep_items_total', 'items');
    return {
      seconds,
      rowsPhaseS,
      keysPhaseS: seconds - rowsPhaseS,
      rowsPerSec: rows / seconds,
      rows,
      keys: count('polaris_sweep_items_total', 'keys'),
      staleFound: count('polaris_sweep_mismatches_total', 'items'),
      orphansFound: count('polaris_sweep_mismatches_total', 'keys'),
    };
  } finally {
    await child.stop();
  }
}
