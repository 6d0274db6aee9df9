/**
 * The built-in items' sweeper, as bench:sweep and bench:audit measure it: the mismatches both inject
 * into a cached table, and one full pass by the built worker, timed by the worker's own metrics.
 */
import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import type { Client } from 'pg';
import { serializeCacheEntry } from '@app/items';
import { freePort, removeKeys } from '@app/testing';
import type { Isolation } from './cli';
import { CACHE_TTL_SECONDS, counterSum, metricValue, Queues, startWorker } from './polaris';
import { httpRequest, waitUntil } from './processes';

export interface SweepRound {
  seconds: number;
  itemsPerSec: number;
  /** Rows compared (Polaris: plus cache keys scanned in its second phase). */
  rows: number;
  mismatches: number;
  /**
   * Polaris only: the rows phase alone (the part of a pass the bare loop does too), from the /metrics
   * polls that first see each phase's counter move, so ± one poll interval (100 ms); NaN when one
   * poll saw both phases start (a tiny smoke pass).
   */
  rowsPhaseS?: number;
}

/** What injectMismatches did: the ids of the rows made stale, and the orphan keys (full cache keys). */
export interface Injected {
  staleIds: string[];
  orphanKeys: string[];
}

/**
 * Rows moved ahead of their cache entry (stale: version + 1, value changed) and cache entries without
 * a row (orphans, in the app's format, written to every cache given); the change-capture trigger stays
 * out of it, so no check is queued for them.
 */
export async function injectMismatches(
  pg: Client,
  caches: (Redis | Cluster)[],
  { stale, orphans, prefix }: { stale: number; orphans: number; prefix: string },
): Promise<Injected> {
  await pg.query('SET session_replication_role = replica');
  const updated = await pg.query<{ id: string }>(
    `UPDATE items SET version = version + 1, value = value || '{"bumped": true}'::jsonb, updated_at = now()
      WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT $1)
      RETURNING id`,
    [stale],
  );
  await pg.query('RESET session_replication_role');
  if (updated.rowCount !== stale) throw new Error(`meant to make ${stale} rows stale, made ${updated.rowCount}`);
  const at = new Date().toISOString();
  const { rows } = await pg.query<{ id: string }>(`SELECT gen_random_uuid() AS id FROM generate_series(1, $1)`, [orphans]);
  const entries = rows.map(({ id }) => ({
    key: prefix + id,
    entry: serializeCacheEntry({ id, name: 'ghost', value: { gone: true }, version: 1, createdAt: at, updatedAt: at }),
  }));
  // One SET per key (a cluster refuses a multi-key pipeline across slots).
  for (const cache of caches) await Promise.all(entries.map((o) => cache.set(o.key, o.entry, 'EX', CACHE_TTL_SECONDS)));
  return { staleIds: updated.rows.map((r) => r.id), orphanKeys: entries.map((o) => o.key) };
}

/** A new pass from the start, with no queued checks, pending confirmations or records left by an earlier round. */
export async function resetSweeper(iso: Isolation, pg: Client, redis: Redis, queues: Queues): Promise<void> {
  await pg.query('TRUNCATE inconsistencies, sweeper_state, item_changes');
  await Promise.all([queues.checks.obliterate({ force: true }), queues.confirmations.obliterate({ force: true })]);
  await removeKeys(redis, [iso.queuePrefix]);
}

export interface SweeperPassOptions {
  /** Rows in `items` (the pass's items/s is items / pass time). */
  items: number;
  /** Orphan keys in the cache: the tick budget must cover every row and every key. */
  orphans: number;
  /** SWEEP_BATCH_SIZE. */
  batch: number;
  timeoutMs: number;
  profileDir?: string;
  verbose?: boolean;
  /** REDIS_CLUSTER_NODES: the cache on a cluster (the queues stay on the run's single node). */
  clusterSeeds?: string;
}

/**
 * One full pass of the built worker's sweeper, from a reset state: relay off, sweeper on (first tick
 * 3 s after boot, one tick per pass: SWEEP_MAX_ITEMS_PER_TICK above 2 × (items + orphans)). The pass
 * time is the worker's own polaris_sweep_last_pass_duration_seconds and the mismatches its
 * polaris_sweep_mismatches_total; the worker is stopped once the pass is read.
 */
export async function sweeperPass(
  iso: Isolation,
  stores: { pg: Client; redis: Redis; queues: Queues },
  o: SweeperPassOptions,
): Promise<SweepRound> {
  await resetSweeper(iso, stores.pg, stores.redis, stores.queues);
  const port = await freePort();
  const child = await startWorker(iso, stores.queues, {
    profileDir: o.profileDir,
    verbose: o.verbose,
    env: {
      WORKER_HTTP_PORT: String(port),
      RELAY_ENABLED: 'false',
      SWEEP_ENABLED: 'true',
      SWEEP_INTERVAL_MS: '3000', // the pass is read well before a second one could start
      SWEEP_BATCH_SIZE: String(o.batch),
      SWEEP_MAX_ITEMS_PER_TICK: String(2 * (o.items + o.orphans) + o.batch),
      ...(o.clusterSeeds ? { REDIS_CLUSTER_NODES: o.clusterSeeds } : {}),
    },
  });
  const metrics = async () => (await httpRequest(`http://127.0.0.1:${port}/metrics`)).body;
  const phaseSeen: { items?: number; keys?: number } = {};
  const text = await waitUntil(
    'one sweep pass completed',
    async () => {
      const m = await metrics();
      const at = performance.now();
      for (const phase of ['items', 'keys'] as const) {
        if (phaseSeen[phase] === undefined && counterSum(m, 'polaris_sweep_items_total', 'phase', phase) > 0) phaseSeen[phase] = at;
      }
      // The pass counter moves in memory when the pass ends, its duration reaches sweeper_state (which
      // the gauge is read from at scrape time) a moment later, when the tick saves its cursor: one
      // scrape may see the first without the second. sweeper_state was emptied, so a duration is this pass's.
      const done =
        metricValue(m, 'polaris_sweep_passes_total') >= 1 && Number.isFinite(metricValue(m, 'polaris_sweep_last_pass_duration_seconds'));
      return done ? m : null;
    },
    { timeoutMs: o.timeoutMs, intervalMs: 100, watch: [child] },
  );
  const seconds = metricValue(text, 'polaris_sweep_last_pass_duration_seconds');
  const rows = counterSum(text, 'polaris_sweep_items_total'); // rows and cache keys
  const mismatches = counterSum(text, 'polaris_sweep_mismatches_total');
  await child.stop();
  const { items: rowsFrom, keys: keysFrom } = phaseSeen;
  const rowsPhaseS = rowsFrom !== undefined && keysFrom !== undefined && keysFrom > rowsFrom ? (keysFrom - rowsFrom) / 1000 : NaN;
  return { seconds, itemsPerSec: o.items / seconds, rows, mismatches, rowsPhaseS };
}
