/**
 * Sweep benchmark: one full sweeper pass over N cached items (every row compared with its cache
 * entry, then every cache key checked for a row) by the built worker, against a bare loop doing
 * keyset SELECT of 1000 rows + one MGET + JSON.parse compare over the same data, in alternating rounds.
 *
 *   npm run bench:sweep                     # 1,000,000 items (100 stale entries, 10 orphan keys), 3 rounds per side
 *   npm run bench:sweep -- --smoke          # seconds: proves the harness, measures nothing
 *   npm run bench:sweep -- --cluster        # then the same again on a private 3-master Redis Cluster
 *   options: --items N --stale N --orphans N --rounds N --out DIR --keep --profile --strict --verbose --cluster
 *
 * Polaris: the built worker with the relay off and the sweeper on (first tick 3 s after boot, one
 * tick per pass: SWEEP_MAX_ITEMS_PER_TICK above 2N). The pass time is the worker's own
 * polaris_sweep_last_pass_duration_seconds, and the mismatches it found its
 * polaris_sweep_mismatches_total, which must equal the injected ones. Between rounds the sweeper cursor, queues and records are reset.
 *
 * --cluster: after the single-node rounds, the same rounds with the cache on a 3-master Redis Cluster
 * started for the run (bench/lib/cluster.ts; filled with the same entries, same stale rows and orphan
 * keys): the worker with REDIS_CLUSTER_NODES (queues stay on the single node), against the bare loop
 * reading each page with one GET per key auto-pipelined per master (ioredis Cluster,
 * enableAutoPipelining; MGET across slots fails with CROSSSLOT). Results in sweep-cluster.json:
 * Polaris cluster / bare cluster, and the Polaris cluster pass / the single-node one.
 *
 * Data: its own database (polaris_bench_sweep) and Redis db (13), QUEUE_PREFIX {bench-sweep}.
 */
import { jsonEqual } from '@app/consistency';
import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import type { Client } from 'pg';
import { ensureBuilt } from './lib/build';
import { roundsChart } from './lib/chart';
import { CLUSTER, CLUSTER_MASTERS, startCluster } from './lib/cluster';
import { commonOptions, isolation, numberArg } from './lib/cli';
import { runBenchmark } from './lib/harness';
import { injectMismatches, SweepRound, sweeperPass } from './lib/item-sweep';
import { CACHE_TTL_SECONDS, profileDirFor } from './lib/polaris';
import { fmt, goal, goalsTable, markdownTable, resultsHeader, source, writeResults } from './lib/report';
import { alternate, Side } from './lib/rounds';
import { median, round } from './lib/stats';
import { fillCache, openStores, seedItems } from './lib/stores';

const NAME = 'sweep';
const opts = commonOptions({ rounds: 3 });
const ITEMS = numberArg('items', opts.smoke ? 2_000 : 1_000_000, { min: 10 });
const STALE = numberArg('stale', opts.smoke ? 5 : 100);
const ORPHANS = numberArg('orphans', opts.smoke ? 2 : 10);
const BATCH = 1000; // Polaris's SWEEP_BATCH_SIZE default, and the baseline's page size
const GOAL_RATIO = 0.75;
const GOAL_PASS_S = 10;
const GOAL_CLUSTER_SLOWDOWN = 1.5;
const ROUND_LIMIT_S = numberArg('round-limit', opts.smoke ? 60 : 180, { min: 1 });

const iso = isolation(NAME, opts.smoke);
const limitS = 600 + (CLUSTER ? 2 : 1) * opts.rounds * 2 * (ROUND_LIMIT_S + 30);

/** One page's cache entries: one MGET on a single node; one GET per key on a cluster, auto-pipelined per master. */
type PageReader = (keys: string[]) => Promise<(string | null)[]>;
const mgetReader =
  (redis: Redis): PageReader =>
  (keys) =>
    redis.mget(keys);
const clusterReader =
  (cluster: Cluster): PageReader =>
  (keys) =>
    Promise.all(keys.map((k) => cluster.get(k)));

/** The bare loop: keyset SELECT of 1000 rows, one MGET, JSON.parse and compare, one batch after another. */
async function bareLoop(pg: Client, read: PageReader): Promise<SweepRound> {
  const started = performance.now();
  let after: string | null = null;
  let rows = 0;
  let mismatches = 0;
  for (;;) {
    const res: { rows: { id: string; name: string; value: unknown; version: number }[] } = await pg.query(
      `SELECT id, name, value, version FROM items WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    const batch = res.rows;
    if (batch.length === 0) break;
    const raws = await read(batch.map((r) => iso.cachePrefix + r.id));
    for (let i = 0; i < batch.length; i++) {
      const raw = raws[i];
      if (raw === null) continue;
      const row = batch[i];
      let entry: { id?: string; name?: string; value?: unknown; version?: number } | null = null;
      try {
        entry = JSON.parse(raw);
      } catch {
        // unreadable: a mismatch
      }
      if (entry?.id !== row.id || entry.version !== row.version || entry.name !== row.name || !jsonEqual(entry.value, row.value))
        mismatches++;
    }
    rows += batch.length;
    if (batch.length < BATCH) break;
    after = batch[batch.length - 1].id;
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, itemsPerSec: rows / seconds, rows, mismatches };
}

runBenchmark(NAME, { limitS, strict: opts.strict }, async ({ say, onCleanup }) => {
  const startedAt = new Date();
  say(
    `items=${ITEMS} stale=${STALE} orphans=${ORPHANS} rounds=${opts.rounds} db=${iso.database} redis=${iso.redisUrl}${CLUSTER ? ` + ${CLUSTER_MASTERS}-master cluster` : ''}`,
  );
  ensureBuilt(say);
  const measured = source();

  const { pg, redis, queues } = await openStores(iso, opts.keep, onCleanup);

  const t = performance.now();
  await seedItems(pg, ITEMS);
  await fillCache(pg, redis, { prefix: iso.cachePrefix, ttlSeconds: CACHE_TTL_SECONDS });
  const cl = CLUSTER ? await startCluster(onCleanup, say) : undefined;
  if (cl) await fillCache(pg, cl.client, { prefix: iso.cachePrefix, ttlSeconds: CACHE_TTL_SECONDS });
  await injectMismatches(pg, cl ? [redis, cl.client] : [redis], { stale: STALE, orphans: ORPHANS, prefix: iso.cachePrefix });
  await pg.query('VACUUM ANALYZE items');
  say(
    `seeded and cached ${fmt(ITEMS)} items, ${STALE} made stale, ${ORPHANS} orphan keys, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const injected = STALE + ORPHANS;
  const profileDir = profileDirFor(opts.out, NAME, opts.profile);

  const polarisPass = (clusterSeeds?: string): Promise<SweepRound> =>
    sweeperPass(
      iso,
      { pg, redis, queues },
      { items: ITEMS, orphans: ORPHANS, batch: BATCH, timeoutMs: ROUND_LIMIT_S * 1000, profileDir, verbose: opts.verbose, clusterSeeds },
    );

  const rounds = await alternate<SweepRound>(
    opts.rounds,
    async (side: Side) => {
      const r = side === 'polaris' ? await polarisPass() : await bareLoop(pg, mgetReader(redis));
      const expected = side === 'polaris' ? injected : STALE; // the bare loop does not look for orphan keys
      if (r.mismatches !== expected) throw new Error(`${side}: found ${r.mismatches} mismatches, expected ${expected}`);
      return r;
    },
    say,
    (r) =>
      `${fmt(r.itemsPerSec)} items/s (${r.seconds.toFixed(2)} s${r.rowsPhaseS === undefined ? '' : `, rows phase ${r.rowsPhaseS.toFixed(2)} s`}, ${fmt(r.rows)} rows+keys, ${r.mismatches} mismatches)`,
  );

  // ---- summary ----
  const side = (s: Side) => {
    const rs = rounds.filter((r) => r.side === s).map((r) => r.result);
    return { itemsPerSec: round(median(rs.map((r) => r.itemsPerSec)), 4), seconds: round(median(rs.map((r) => r.seconds))) };
  };
  const polaris = {
    ...side('polaris'),
    rowsPhaseS: round(
      median(
        rounds
          .filter((r) => r.side === 'polaris')
          .map((r) => r.result.rowsPhaseS ?? NaN)
          .filter(Number.isFinite),
      ),
    ),
  };
  const baseline = side('baseline');
  const ratio = round(polaris.itemsPerSec / baseline.itemsPerSec);
  /** Diagnostic, not a goal: Polaris's rows phase against the bare loop, which does only that phase. */
  const rowsPhaseRatio = round(baseline.seconds / polaris.rowsPhaseS);
  const goals = [
    goal('items/s ratio (Polaris pass / bare loop, medians)', '>=', GOAL_RATIO, ratio),
    goal(`Polaris full pass over ${fmt(ITEMS)} items, seconds (median)`, '<=', GOAL_PASS_S, polaris.seconds),
  ];
  const table = markdownTable(
    ['side', 'items', 'pass s (median)', 'items/s (median)', 'ratio', 'rows phase s (median)', 'rows-phase ratio'],
    [
      [
        'Polaris sweeper (rows, then cache keys)',
        fmt(ITEMS),
        fmt(polaris.seconds),
        fmt(polaris.itemsPerSec),
        fmt(ratio),
        fmt(polaris.rowsPhaseS),
        fmt(rowsPhaseRatio),
      ],
      [
        'bare loop (keyset SELECT 1000 + MGET + compare)',
        fmt(ITEMS),
        fmt(baseline.seconds),
        fmt(baseline.itemsPerSec),
        '1',
        fmt(baseline.seconds),
        '1',
      ],
    ],
  );
  const perRound = markdownTable(
    ['round', 'side', 'seconds', 'rows phase s', 'items/s', 'mismatches found'],
    rounds.map((r) => [
      r.round,
      r.side,
      r.result.seconds.toFixed(2),
      (r.result.rowsPhaseS ?? r.result.seconds).toFixed(2),
      fmt(r.result.itemsPerSec),
      r.result.mismatches,
    ]),
    ['r', 'l', 'r', 'r', 'r', 'r'],
  );
  const results = {
    ...resultsHeader(NAME, opts.smoke, startedAt, measured),
    config: {
      items: ITEMS,
      stale: STALE,
      orphans: ORPHANS,
      batch: BATCH,
      rounds: opts.rounds,
      order: 'alternating, first side swapped every round (P B, B P, …)',
      database: iso.database,
      redis: iso.redisUrl,
      queuePrefix: iso.queuePrefix,
    },
    polaris: {
      what: `the built worker (node dist/apps/worker/main.js), RELAY_ENABLED=false, SWEEP_INTERVAL_MS=3000, SWEEP_BATCH_SIZE=${BATCH}, one tick per pass; pass time from its polaris_sweep_last_pass_duration_seconds; rows phase + SCAN keys phase`,
    },
    baseline: {
      what: `in the harness process: keyset SELECT of ${BATCH} rows + one MGET + JSON.parse and the same JSON comparison (jsonEqual), sequential; rows only (no orphan scan)`,
    },
    summary: { polaris, baseline, ratio, rowsPhaseRatio },
    goals,
    rounds: rounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
  };
  const chart = roundsChart(
    'sweep: one full pass over the cached items',
    [
      `Polaris ${fmt(polaris.itemsPerSec)} items/s (pass ${fmt(polaris.seconds)} s) vs bare loop ${fmt(baseline.itemsPerSec)}: ratio ${fmt(ratio)}`,
      `${fmt(ITEMS)} items; every Polaris pass found the ${injected} injected mismatches, every bare loop the ${STALE} stale ones; dashed: medians`,
    ],
    rounds.flatMap((r) => [
      { round: r.round, side: r.side, metric: 'throughput', value: r.result.itemsPerSec },
      { round: r.round, side: r.side, metric: 'pass time', value: r.result.seconds },
    ]),
    [
      { name: 'throughput', unit: 'items/s' },
      { name: 'pass time', unit: 's', goal: opts.smoke ? undefined : GOAL_PASS_S },
    ],
  );
  const files = await writeResults(opts.out, NAME, results, chart);

  console.log(`\n### sweep: one full pass${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(table + '\n');
  console.log(perRound + '\n');
  console.log(goalsTable(goals) + '\n');
  console.log(`results: ${files.json}, chart: ${files.svg}`);
  if (!cl) return { goalsMet: goals.every((g) => g.met) };

  // ---- the cluster variant: the same rounds with the cache on the cluster ----
  const seeds = cl.cluster.seeds();
  const clusterStartedAt = new Date();
  const crounds = await alternate<SweepRound>(
    opts.rounds,
    async (s: Side) => {
      const r = s === 'polaris' ? await polarisPass(seeds) : await bareLoop(pg, clusterReader(cl.client));
      const expected = s === 'polaris' ? injected : STALE;
      if (r.mismatches !== expected) throw new Error(`cluster ${s}: found ${r.mismatches} mismatches, expected ${expected}`);
      return r;
    },
    (msg) => say(`cluster ${msg}`),
    (r) => `${fmt(r.itemsPerSec)} items/s (${r.seconds.toFixed(2)} s, ${fmt(r.rows)} rows+keys, ${r.mismatches} mismatches)`,
  );
  const cside = (s: Side) => {
    const rs = crounds.filter((r) => r.side === s).map((r) => r.result);
    return { itemsPerSec: round(median(rs.map((r) => r.itemsPerSec)), 4), seconds: round(median(rs.map((r) => r.seconds))) };
  };
  const cpolaris = cside('polaris');
  const cbaseline = cside('baseline');
  const cratio = round(cpolaris.itemsPerSec / cbaseline.itemsPerSec);
  /** The Polaris pass on the cluster against the single-node pass of the same run (medians). */
  const slowdown = round(cpolaris.seconds / polaris.seconds);
  const cgoals = [
    goal(`Polaris pass on the cluster / on the single node (seconds, medians)`, '<=', GOAL_CLUSTER_SLOWDOWN, slowdown),
    goal('items/s ratio on the cluster (Polaris pass / bare cluster loop, medians)', '>=', GOAL_RATIO, cratio),
  ];
  const ctable = markdownTable(
    ['side', 'items', 'pass s (median)', 'items/s (median)', 'ratio'],
    [
      ['Polaris sweeper, single node (above)', fmt(ITEMS), fmt(polaris.seconds), fmt(polaris.itemsPerSec), ''],
      [`Polaris sweeper, ${CLUSTER_MASTERS}-master cluster`, fmt(ITEMS), fmt(cpolaris.seconds), fmt(cpolaris.itemsPerSec), fmt(cratio)],
      [
        'bare loop on the cluster (SELECT 1000 + GET per key, auto-pipelined per master)',
        fmt(ITEMS),
        fmt(cbaseline.seconds),
        fmt(cbaseline.itemsPerSec),
        '1',
      ],
    ],
  );
  const cresults = {
    ...resultsHeader(`${NAME}-cluster`, opts.smoke, clusterStartedAt, measured),
    config: {
      ...results.config,
      cluster: { masters: CLUSTER_MASTERS, replicasPerMaster: 0, seeds, queues: 'on the single node (QUEUE_REDIS_URL)' },
    },
    polaris: {
      what: `${results.polaris.what}; REDIS_CLUSTER_NODES=<the ${CLUSTER_MASTERS} masters>: GET per key auto-pipelined per master, SCAN on every master`,
    },
    baseline: {
      what: `in the harness process: keyset SELECT of ${BATCH} rows + one GET per key (Promise.all) on an ioredis Cluster with enableAutoPipelining (one pipeline per master), JSON.parse and jsonEqual compare, sequential; rows only`,
    },
    singleNode: { polaris, baseline, ratio, results: files.json },
    summary: { polaris: cpolaris, baseline: cbaseline, ratio: cratio, clusterOverSingleNode: slowdown },
    goals: cgoals,
    rounds: crounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
  };
  const cchart = roundsChart(
    `sweep on a ${CLUSTER_MASTERS}-master Redis Cluster: one full pass`,
    [
      `Polaris ${fmt(cpolaris.itemsPerSec)} items/s (pass ${fmt(cpolaris.seconds)} s) vs bare cluster loop ${fmt(cbaseline.itemsPerSec)}: ratio ${fmt(cratio)}`,
      `cluster pass / single-node pass ${fmt(slowdown)} (single node ${fmt(polaris.seconds)} s); ${fmt(ITEMS)} items; dashed: medians`,
    ],
    crounds.flatMap((r) => [
      { round: r.round, side: r.side, metric: 'throughput', value: r.result.itemsPerSec },
      { round: r.round, side: r.side, metric: 'pass time', value: r.result.seconds },
    ]),
    [
      { name: 'throughput', unit: 'items/s' },
      { name: 'pass time', unit: 's' },
    ],
  );
  const cfiles = await writeResults(opts.out, `${NAME}-cluster`, cresults, cchart);
  console.log(`\n### sweep on a ${CLUSTER_MASTERS}-master Redis Cluster${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(ctable + '\n');
  console.log(goalsTable(cgoals) + '\n');
  console.log(`results: ${cfiles.json}, chart: ${cfiles.svg}`);
  return { goalsMet: [...goals, ...cgoals].every((g) => g.met) };
});
