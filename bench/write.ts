/**
 * Write benchmark: PUT /items/:id on random items, Polaris's built api (with its built worker
 * relaying and checking every write) against a bare Fastify + pg + ioredis server, in alternating
 * rounds on the same data.
 *
 *   npm run bench:write                     # 10,000 items, 50 connections, 3 × 10 s rounds per side
 *   npm run bench:write -- --smoke          # seconds: proves the harness, measures nothing
 *   options: --items N --connections N --duration S --warmup S --rounds N --out DIR --keep --profile --strict --verbose
 *            --pg-waits   sample pg_stat_activity wait events during every round (both sides) into the results
 *            --without-worker   diagnostic: Polaris's rounds without the worker (isolates the api + trigger cost)
 *
 * Data: its own database (polaris_bench_write) and Redis db (11). Polaris writes `items` (with its
 * change-capture trigger); the baseline writes `bench_items_plain`, a copy of `items` with the same
 * columns, constraints, primary key and rows but no trigger, in the same database, and its own cache
 * keys. Every item is cached before the first round, so each PUT overwrites a cached entry.
 *
 * The worker: started before each Polaris round and stopped after it once it has caught up (change
 * log relayed, immediate and post-write checks done), so Polaris's rounds carry the cost of change
 * capture, relaying and checking running alongside the api, and the baseline's rounds run without
 * it. The catch-up time after each round is reported (work the worker had not finished when the load stopped).
 */
import { join } from 'node:path';
import { ensureBuilt } from './lib/build';
import { commonOptions, flag, isolation, numberArg, ROOT } from './lib/cli';
import { runBenchmark } from './lib/harness';
import { httpChart, perRoundTable, summarizeSide, summaryTable } from './lib/http-summary';
import { assertAllOk, LoadResult, runLoad } from './lib/load';
import { CACHE_TTL_SECONDS, inconsistencyCounts, profileDirFor, startApi, startBaselineServer, startWorker } from './lib/polaris';
import { Child, httpRequest, waitUntil } from './lib/processes';
import { fmt, goal, goalsTable, resultsHeader, source, writeResults } from './lib/report';
import { alternate, Side } from './lib/rounds';
import { round } from './lib/stats';
import { fillCache, openStores, plainCopyOfItems, sampleWaits, seedItems } from './lib/stores';

const NAME = 'write';
const opts = commonOptions({ rounds: 3 });
const ITEMS = numberArg('items', opts.smoke ? 200 : 10_000, { min: 1 });
const CONNECTIONS = numberArg('connections', opts.smoke ? 4 : 50, { min: 1 });
const DURATION_S = numberArg('duration', opts.smoke ? 1 : 10, { min: 1 });
const WARMUP_S = numberArg('warmup', opts.smoke ? 1 : 3, { min: 0 });
const DRAIN_LIMIT_S = numberArg('drain-limit', opts.smoke ? 60 : 300, { min: 1 });
const PG_WAITS = flag('pg-waits');
/** Diagnostic: Polaris's api alone, no worker (the change log just grows). Not the benchmark's definition. */
const WITHOUT_WORKER = flag('without-worker');
const GOAL_RATIO = 0.6;
const BASELINE_TABLE = 'bench_items_plain';
const COLORS = ['red', 'green', 'blue', 'amber'];

const iso = isolation(NAME, opts.smoke);
const limitS = 240 + (opts.rounds + 1) * (2 * DURATION_S + WARMUP_S + DRAIN_LIMIT_S + 60);

interface WriteRound extends LoadResult {
  /** Polaris only: rows the change-capture trigger wrote during the round (one per successful PUT). */
  changesCaptured?: number;
  /** Polaris only: seconds the worker needed after the load stopped to relay and check everything. */
  catchUpS?: number;
  /** Polaris only: lifecycle transitions the worker logged during the round (expected: none confirmed). */
  transitions?: Record<string, number>;
  /** With --pg-waits: what the database's active backends were waiting on, summed over samples. */
  pgWaits?: { samples: number; waits: Record<string, number> };
}

runBenchmark(NAME, { limitS, strict: opts.strict }, async ({ say, onCleanup }) => {
  const startedAt = new Date();
  say(
    `items=${ITEMS} connections=${CONNECTIONS} rounds=${opts.rounds}×${DURATION_S}s warmup=${WARMUP_S}s db=${iso.database} redis=${iso.redisUrl}`,
  );
  ensureBuilt(say);
  const measured = source(); // the code the built dist/ was made from

  const { pg, redis, queues } = await openStores(iso, opts.keep, onCleanup);

  const ids = await seedItems(pg, ITEMS);
  await plainCopyOfItems(pg, BASELINE_TABLE);
  const cached = await fillCache(pg, redis, { prefix: iso.cachePrefix, ttlSeconds: CACHE_TTL_SECONDS });
  await fillCache(pg, redis, { table: BASELINE_TABLE, prefix: iso.baselinePrefix, ttlSeconds: CACHE_TTL_SECONDS });
  say(`seeded ${ids.length} items in items and ${BASELINE_TABLE}, cached ${cached} of each`);

  const profileDir = profileDirFor(opts.out, NAME, opts.profile);
  const [api, base] = await Promise.all([
    startApi(iso, { profileDir, verbose: opts.verbose }),
    startBaselineServer(
      'baseline-write',
      join(ROOT, 'bench/baselines/write-server.ts'),
      {
        POSTGRES_URL: iso.postgresUrl,
        REDIS_URL: iso.redisUrl,
        CACHE_KEY_PREFIX: iso.baselinePrefix,
        CACHE_TTL_SECONDS: String(CACHE_TTL_SECONDS),
        BASELINE_TABLE,
        PG_POOL_SIZE: '10', // Polaris's default PG_POOL_SIZE
      },
      { profileDir, verbose: opts.verbose },
    ),
  ]);

  // Both sides answer a PUT with the updated item and leave the cache holding it.
  for (const [side, url, prefix, table] of [
    ['polaris', api.url, iso.cachePrefix, 'items'],
    ['baseline', base.url, iso.baselinePrefix, BASELINE_TABLE],
  ] as const) {
    const id = ids[0];
    const version: number = (await pg.query(`SELECT version FROM ${table} WHERE id = $1`, [id])).rows[0].version;
    const res = await httpRequest(`${url}/items/${id}`, { method: 'PUT', body: { value: { probe: side } } });
    const data = JSON.parse(res.body)?.data;
    const entry = JSON.parse((await redis.get(prefix + id)) ?? 'null');
    if (res.status !== 200 || data?.version !== version + 1 || entry?.version !== version + 1 || entry?.value?.probe !== side) {
      throw new Error(`${side} PUT probe: ${res.status} ${res.body.slice(0, 300)}, cache ${JSON.stringify(entry)?.slice(0, 200)}`);
    }
  }

  const urls: Record<Side, string> = { polaris: api.url, baseline: base.url };
  let n = 0;
  const load = async (side: Side, durationS: number): Promise<WriteRound> => {
    const sampler = PG_WAITS ? await sampleWaits(iso) : undefined;
    const r = await runLoad({
      url: urls[side],
      connections: CONNECTIONS,
      durationS,
      method: 'PUT',
      path: () => `/items/${ids[(Math.random() * ids.length) | 0]}`,
      body: () => JSON.stringify({ value: { n: ++n, color: COLORS[n % 4], price: (n % 10000) / 100, tags: ['bench', `t${n % 7}`] } }),
    });
    return sampler ? { ...r, pgWaits: await sampler.stop() } : r;
  };

  // The sequence, not max(id): relayed changes are deleted from the log.
  const lastChangeId = async () => Number((await pg.query(`SELECT last_value AS id FROM item_changes_id_seq`)).rows[0].id);
  const caughtUp = async () => {
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM item_changes`); // relayed changes are deleted
    return rows[0].n === 0 && (await queues.outstanding(queues.checks)) === 0 && (await queues.outstanding(queues.confirmations)) === 0;
  };
  const TRANSITIONS = ['detected', 'cleared', 'confirmed', 'persistent', 'resolved'];

  /** One Polaris round: worker up, load, worker catches up, worker down. */
  const polarisRound = async (durationS: number): Promise<WriteRound> => {
    if (WITHOUT_WORKER) {
      const before = await lastChangeId();
      const r = await load('polaris', durationS);
      return { ...r, changesCaptured: (await lastChangeId()) - before };
    }
    const worker: Child = await startWorker(iso, queues, {
      profileDir,
      verbose: opts.verbose,
      env: { SWEEP_ENABLED: 'false' }, // the sweeper audits the whole table every 5 s: not part of a write's cost
      countLines: Object.fromEntries(TRANSITIONS.map((t) => [t, `"event":"inconsistency.${t}"`])),
    });
    const before = await lastChangeId();
    const r = await load('polaris', durationS);
    const loadEnded = Date.now();
    await waitUntil('the worker to relay and check every write', caughtUp, {
      timeoutMs: DRAIN_LIMIT_S * 1000,
      intervalMs: 100,
      watch: [worker, api.child],
    });
    const catchUpS = (Date.now() - loadEnded) / 1000;
    const changesCaptured = (await lastChangeId()) - before;
    await worker.stop();
    return { ...r, changesCaptured, catchUpS, transitions: { ...worker.counts } };
  };

  const warmups: (WriteRound & { side: Side })[] = [];
  if (WARMUP_S > 0) {
    for (const side of ['polaris', 'baseline'] as Side[]) {
      const w = side === 'polaris' ? await polarisRound(WARMUP_S) : await load(side, WARMUP_S);
      assertAllOk(`${side} warm-up`, w);
      warmups.push({ side, ...w });
      say(`warm-up ${side}: ${fmt(w.reqPerSec)} req/s${w.transitions ? `, transitions ${JSON.stringify(w.transitions)}` : ''}`);
    }
  }
  const rounds = await alternate<WriteRound>(
    opts.rounds,
    async (side) => {
      const r: WriteRound = side === 'polaris' ? await polarisRound(DURATION_S) : await load(side, DURATION_S);
      assertAllOk(`${side} round`, r);
      // Every PUT answered 200 was captured; up to one in flight per connection when the load stopped was too.
      if (side === 'polaris' && (r.changesCaptured! < r.ok || r.changesCaptured! > r.ok + CONNECTIONS)) {
        throw new Error(`the trigger captured ${r.changesCaptured} changes for ${r.ok} successful PUTs`);
      }
      api.child.assertRunning();
      base.child.assertRunning();
      return r;
    },
    say,
    (r) =>
      `${fmt(r.reqPerSec)} req/s, p50 ${fmt(r.latencyMs.p50)} ms, p99 ${fmt(r.latencyMs.p99)} ms` +
      (r.catchUpS === undefined
        ? ''
        : `, worker caught up ${r.catchUpS.toFixed(1)} s after the load, transitions ${JSON.stringify(r.transitions)}`),
  );
  const records = await inconsistencyCounts(pg);
  // Any record is a false positive on this workload (no failure injection): keep what it says.
  const recordDetails = (
    await pg.query(
      `SELECT status, kind, resolution, detected_by, count, db_version, cache_version,
              first_detected_at, confirmed_at, resolved_at, jsonb_array_length(timeline) AS timeline_entries
         FROM inconsistencies ORDER BY first_detected_at`,
    )
  ).rows;
  await Promise.all([api.child.stop(), base.child.stop()]);

  // ---- summary ----
  const polaris = summarizeSide(rounds, 'polaris');
  const baseline = summarizeSide(rounds, 'baseline');
  const ratio = round(polaris.reqPerSec / baseline.reqPerSec);
  const goals = [goal('req/s ratio (Polaris / baseline, medians)', '>=', GOAL_RATIO, ratio)];
  const table = summaryTable({ polaris: 'Polaris api + worker', baseline: 'bare Fastify + pg + ioredis' }, { polaris, baseline }, ratio);
  const perRound = perRoundTable(rounds, [
    { header: 'worker catch-up s', value: (r) => (r.result.catchUpS === undefined ? '' : r.result.catchUpS.toFixed(1)) },
    {
      header: 'detected / confirmed',
      value: (r) => (r.result.transitions ? `${r.result.transitions.detected} / ${r.result.transitions.confirmed}` : ''),
    },
  ]);

  const results = {
    ...resultsHeader(NAME, opts.smoke, startedAt, measured),
    config: {
      items: ITEMS,
      connections: CONNECTIONS,
      roundSeconds: DURATION_S,
      warmupSeconds: WARMUP_S,
      rounds: opts.rounds,
      withoutWorker: WITHOUT_WORKER,
      order: 'alternating, first side swapped every round (P B, B P, …)',
      database: iso.database,
      redis: iso.redisUrl,
    },
    polaris: {
      what:
        'the built api (node dist/apps/api/main.js) writing `items` (change-capture trigger), plus the built worker ' +
        '(relay on, sweeper off) started before each Polaris round and stopped after it has caught up; NODE_ENV=production, defaults otherwise',
      lifecycleRecordsAfterRun: records,
      lifecycleRecordDetails: recordDetails,
    },
    baseline: {
      what:
        `bench/baselines/write-server.ts: Fastify + pg (pool 10) + ioredis (auto-pipelining): UPDATE ${BASELINE_TABLE} SET value=$2, ` +
        'version=version+1, updated_at=now() WHERE id=$1 RETURNING *, then SET the JSON with the same TTL; ' +
        `${BASELINE_TABLE} = CREATE TABLE (LIKE items INCLUDING ALL), same rows, no trigger; no worker runs during its rounds`,
    },
    summary: { polaris, baseline, ratio },
    goals,
    warmups,
    rounds: rounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
  };
  const chart = httpChart(
    'write: PUT /items/:id',
    [
      `Polaris ${fmt(polaris.reqPerSec)} req/s vs baseline ${fmt(baseline.reqPerSec)}: ratio ${fmt(ratio)}`,
      `${ITEMS.toLocaleString('en-US')} items, ${CONNECTIONS} connections, ${opts.rounds} alternating ${DURATION_S} s rounds per side`,
      `Polaris's worker runs in Polaris's rounds; dashed: medians`,
    ],
    rounds,
  );
  const files = await writeResults(opts.out, NAME, results, chart);

  console.log(`\n### write: PUT /items/:id${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(table + '\n');
  console.log(perRound + '\n');
  console.log(goalsTable(goals) + '\n');
  console.log(`lifecycle records after the run: ${JSON.stringify(records)}`);
  if (PG_WAITS) {
    for (const r of rounds) console.log(`pg waits, round ${r.round} ${r.side}: ${JSON.stringify(r.result.pgWaits)}`);
  }
  console.log(`results: ${files.json}, chart: ${files.svg}`);
  return { goalsMet: goals.every((g) => g.met) };
});
