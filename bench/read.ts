/**
 * Read benchmark: GET /items/:id cache hits, Polaris's built api against a bare Fastify + ioredis
 * server reading the same keys, in alternating rounds on the same data.
 *
 *   npm run bench:read                      # 10,000 items, 50 connections, 3 × 10 s rounds per side
 *   npm run bench:read -- --smoke           # seconds: proves the harness, measures nothing
 *   options: --items N --connections N --duration S --warmup S --rounds N --out DIR --keep --profile --strict --verbose
 *
 * Data: its own database (polaris_bench_read) and Redis db (10), every item cached in the app's
 * exact format before the first round (checked through the api: every sampled read must be a hit).
 */
import { join } from 'node:path';
import { ensureBuilt } from './lib/build';
import { toItem } from '@app/items';
import { commonOptions, isolation, numberArg, ROOT } from './lib/cli';
import { runBenchmark } from './lib/harness';
import { httpChart, perRoundTable, summarizeSide, summaryTable } from './lib/http-summary';
import { assertAllOk, LoadResult, runLoad } from './lib/load';
import { CACHE_TTL_SECONDS, counterSum, profileDirFor, startApi, startBaselineServer } from './lib/polaris';
import { httpRequest } from './lib/processes';
import { fmt, goal, goalsTable, resultsHeader, source, writeResults } from './lib/report';
import { alternate, Side } from './lib/rounds';
import { round } from './lib/stats';
import { fillCache, openStores, seedItems } from './lib/stores';

const NAME = 'read';
const opts = commonOptions({ rounds: 3 });
const ITEMS = numberArg('items', opts.smoke ? 200 : 10_000, { min: 1 });
const CONNECTIONS = numberArg('connections', opts.smoke ? 4 : 50, { min: 1 });
const DURATION_S = numberArg('duration', opts.smoke ? 1 : 10, { min: 1 });
const WARMUP_S = numberArg('warmup', opts.smoke ? 1 : 3, { min: 0 });
const GOAL_RATIO = 0.75;
const GOAL_P99_MS = 5;

const iso = isolation(NAME, opts.smoke);
// Bounded: seeding and boots (≤ 2 min) plus the load itself, with room to spare.
const limitS = 180 + 2 * (opts.rounds * DURATION_S + WARMUP_S) * 2;

runBenchmark(NAME, { limitS, strict: opts.strict }, async ({ say, onCleanup }) => {
  const startedAt = new Date();
  say(
    `items=${ITEMS} connections=${CONNECTIONS} rounds=${opts.rounds}×${DURATION_S}s warmup=${WARMUP_S}s db=${iso.database} redis=${iso.redisUrl}`,
  );
  ensureBuilt(say);
  const measured = source(); // the code the built dist/ was made from

  const { pg, redis } = await openStores(iso, opts.keep, onCleanup);

  const ids = await seedItems(pg, ITEMS);
  const cached = await fillCache(pg, redis, { prefix: iso.cachePrefix, ttlSeconds: CACHE_TTL_SECONDS });
  say(`seeded ${ids.length} items, cached ${cached}`);

  const profileDir = profileDirFor(opts.out, NAME, opts.profile);
  const [api, base] = await Promise.all([
    startApi(iso, { profileDir, verbose: opts.verbose }),
    startBaselineServer(
      'baseline-read',
      join(ROOT, 'bench/baselines/read-server.ts'),
      { REDIS_URL: iso.redisUrl, CACHE_KEY_PREFIX: iso.cachePrefix },
      { profileDir, verbose: opts.verbose },
    ),
  ]);

  // The cache entries are in the app's format: Polaris serves them as hits, equal to the rows.
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 100)) === 0);
  const { rows } = await pg.query(`SELECT id, name, value, version, created_at, updated_at FROM items WHERE id = ANY($1::uuid[])`, [
    sample,
  ]);
  for (const row of rows) {
    const res = await httpRequest(`${api.url}/items/${row.id}`);
    const body = JSON.parse(res.body);
    if (res.status !== 200 || body.source !== 'cache' || JSON.stringify(body.data) !== JSON.stringify(toItem(row))) {
      throw new Error(
        `warm-up check: GET /items/${row.id} answered ${res.status} ${res.body.slice(0, 300)}: not a cache hit equal to the row`,
      );
    }
    const b = await httpRequest(`${base.url}/items/${row.id}`);
    if (b.status !== 200 || JSON.stringify(JSON.parse(b.body)) !== JSON.stringify(toItem(row))) {
      throw new Error(`baseline GET /items/${row.id} answered ${b.status} ${b.body.slice(0, 300)}`);
    }
  }
  say(`checked ${rows.length} sampled reads: all cache hits, equal to their rows`);

  const urls: Record<Side, string> = { polaris: api.url, baseline: base.url };
  const load = (side: Side, durationS: number) =>
    runLoad({
      url: urls[side],
      connections: CONNECTIONS,
      durationS,
      method: 'GET',
      path: () => `/items/${ids[(Math.random() * ids.length) | 0]}`,
    });

  const metricsBefore = (await httpRequest(`${api.url}/metrics`)).body;
  if (WARMUP_S > 0) {
    for (const side of ['polaris', 'baseline'] as Side[]) {
      const w = await load(side, WARMUP_S);
      assertAllOk(`${side} warm-up`, w);
      say(`warm-up ${side}: ${fmt(w.reqPerSec)} req/s`);
    }
  }
  const rounds = await alternate(
    opts.rounds,
    async (side) => {
      const r = await load(side, DURATION_S);
      assertAllOk(`${side} round`, r);
      api.child.assertRunning();
      base.child.assertRunning();
      return r;
    },
    say,
    (r: LoadResult) => `${fmt(r.reqPerSec)} req/s, p50 ${fmt(r.latencyMs.p50)} ms, p99 ${fmt(r.latencyMs.p99)} ms`,
  );
  const metricsAfter = (await httpRequest(`${api.url}/metrics`)).body;
  const hits =
    counterSum(metricsAfter, 'polaris_cache_requests_total', 'result', 'hit') -
    counterSum(metricsBefore, 'polaris_cache_requests_total', 'result', 'hit');
  const misses =
    counterSum(metricsAfter, 'polaris_cache_requests_total', 'result', 'miss') -
    counterSum(metricsBefore, 'polaris_cache_requests_total', 'result', 'miss');
  if (misses !== 0) throw new Error(`Polaris counted ${misses} cache misses during the rounds: this is not a cache-hit benchmark`);

  await Promise.all([api.child.stop(), base.child.stop()]);

  // ---- summary ----
  const polaris = summarizeSide(rounds, 'polaris');
  const baseline = summarizeSide(rounds, 'baseline');
  const ratio = round(polaris.reqPerSec / baseline.reqPerSec);
  const goals = [
    goal('req/s ratio (Polaris / baseline, medians)', '>=', GOAL_RATIO, ratio),
    goal('Polaris p99 latency, ms (median of rounds)', '<=', GOAL_P99_MS, polaris.p99Ms),
  ];
  const table = summaryTable({ polaris: 'Polaris api', baseline: 'bare Fastify + ioredis' }, { polaris, baseline }, ratio);
  const perRound = perRoundTable(rounds);

  const results = {
    ...resultsHeader(NAME, opts.smoke, startedAt, measured),
    config: {
      items: ITEMS,
      connections: CONNECTIONS,
      roundSeconds: DURATION_S,
      warmupSeconds: WARMUP_S,
      rounds: opts.rounds,
      order: 'alternating, first side swapped every round (P B, B P, …)',
      database: iso.database,
      redis: iso.redisUrl,
    },
    polaris: {
      what: 'the built api (node dist/apps/api/main.js), NODE_ENV=production, LOG_LEVEL=info, defaults otherwise; no worker',
      cacheHitsCounted: hits,
      cacheMissesCounted: misses,
    },
    baseline: {
      what: 'bench/baselines/read-server.ts: Fastify + ioredis (auto-pipelining), GET the same key, send the cached JSON as it is',
    },
    summary: { polaris, baseline, ratio },
    goals,
    rounds: rounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
  };

  const chart = httpChart(
    'read: GET /items/:id, cache hits',
    [
      `Polaris ${fmt(polaris.reqPerSec)} req/s vs baseline ${fmt(baseline.reqPerSec)}: ratio ${fmt(ratio)}`,
      `${ITEMS.toLocaleString('en-US')} items, ${CONNECTIONS} connections, ${opts.rounds} alternating ${DURATION_S} s rounds per side`,
      'dashed: medians; red: goal',
    ],
    rounds,
    GOAL_P99_MS,
  );
  const files = await writeResults(opts.out, NAME, results, chart);

  console.log(`\n### read: GET /items/:id (cache hits)${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(table + '\n');
  console.log(perRound + '\n');
  console.log(goalsTable(goals) + '\n');
  console.log(`results: ${files.json}, chart: ${files.svg}`);
  return { goalsMet: goals.every((g) => g.met) };
});
