/**
 * Chaos run: the proof that Polaris never cries wolf and never misses under load. For a fixed time,
 * readers and writers (hot keys included) hammer the real built api while the harness injects faults
 * with a recorded ground truth; afterwards Polaris's records are scored against it.
 *
 *   npm run bench:chaos                     # 120 s, 3000 items, 20 faults of each kind
 *   npm run bench:chaos -- --smoke          # ~30 s: proves the harness (still scored: recall 100%, no false confirmations)
 *   options: --duration S --items N --faults N --out DIR --keep --strict --verbose
 *
 * Processes (all built, Polaris's production defaults for grace, post-write delay and sweep interval):
 * the worker (relay and sweeper on), a clean api carrying all load, and three api processes that each
 * inject one FAILURE_MODE on every write they take (skip, delay, blip). Faults, each on its own item
 * that nothing else writes afterwards:
 *   skip      a write through the skip api: its cache write is dropped (stale, persistent)
 *   delay     a write through the delay api: the old entry is written back FAILURE_DELAY_MS later (stale, persistent)
 *   blip      a write through the blip api: stale for a quarter of the grace period, then repaired (must never be confirmed)
 *   external  an UPDATE with plain SQL: the cache keeps the old version (stale, persistent; via the change log)
 *   corrupt   the cache entry's value changed in Redis, same version, on an item nobody writes (sweep only)
 *   orphan    a cache entry for a row that does not exist (sweep only)
 *
 * Data: its own database (polaris_bench_chaos) and Redis db (14), QUEUE_PREFIX {bench-chaos}.
 */
import { randomUUID } from 'node:crypto';
import { serializeCacheEntry } from '@app/items';
import { freePort, sleep } from '@app/testing';
import { ensureBuilt } from './lib/build';
import { Fault, FaultKind, RecordRow, scoreChaos } from './lib/chaos-score';
import { commonOptions, isolation, numberArg } from './lib/cli';
import { runBenchmark } from './lib/harness';
import { CACHE_TTL_SECONDS, counterSum, metricValue, startApi, startWorker } from './lib/polaris';
import { httpRequest } from './lib/processes';
import { fmt, goal, goalsTable, markdownTable, resultsHeader, source, writeResults } from './lib/report';
import { percentile, round, Samples } from './lib/stats';
import { fillCache, openStores, seedItems } from './lib/stores';

const NAME = 'chaos';
const opts = commonOptions({ rounds: 1 });
const DURATION_S = numberArg('duration', opts.smoke ? 8 : 120, { min: 4 });
const ITEMS = numberArg('items', opts.smoke ? 300 : 3000, { min: 100 });
const PER_KIND = numberArg('faults', opts.smoke ? 3 : 20, { min: 1 });
const HOT_KEYS = opts.smoke ? 3 : 10;
const LOOPS = { readers: 8, writers: 4, hotWriters: 8 };
const PAUSE_MS = { reader: 10, writer: 40, hotWriter: 20 };

// Polaris's production defaults, spelled out because the goals are computed from them.
const GRACE_MS = 2000;
const POST_WRITE_MS = 2500;
const SWEEP_INTERVAL_MS = 5000;
const FAILURE_DELAY_MS = 1000; // before the post-write check, so that check sees the stale overwrite

const iso = isolation(NAME, opts.smoke);
const limitS = 300 + DURATION_S * 2;

const shuffle = <T>(xs: T[]): T[] => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];

runBenchmark(NAME, { limitS, strict: opts.strict }, async ({ say, onCleanup }) => {
  const startedAt = new Date();
  say(`duration=${DURATION_S}s items=${ITEMS} faults/kind=${PER_KIND} db=${iso.database} redis=${iso.redisUrl}`);
  ensureBuilt(say);
  const measured = source();

  const { pg, redis, queues } = await openStores(iso, opts.keep, onCleanup);
  const ids = shuffle(await seedItems(pg, ITEMS));
  await fillCache(pg, redis, { prefix: iso.cachePrefix, ttlSeconds: CACHE_TTL_SECONDS });

  // Disjoint item sets: one per fault kind (nothing else writes them), hot keys, and the clean rest.
  const take = (n: number) => ids.splice(0, n);
  const targets: Record<Exclude<FaultKind, 'orphan'>, string[]> = {
    skip: take(PER_KIND),
    delay: take(PER_KIND),
    blip: take(PER_KIND),
    external: take(PER_KIND),
    corrupt: take(PER_KIND),
  };
  const hot = take(HOT_KEYS);
  const clean = ids;
  const readable = [...Object.values(targets).flat(), ...hot, ...clean];

  const timings = {
    GRACE_PERIOD_MS: String(GRACE_MS),
    POST_WRITE_CHECK_DELAY_MS: String(POST_WRITE_MS),
    SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS),
  };
  const workerPort = await freePort();
  const worker = await startWorker(iso, queues, {
    verbose: opts.verbose,
    env: { ...timings, WORKER_HTTP_PORT: String(workerPort), SWEEP_ENABLED: 'true', RELAY_ENABLED: 'true' },
  });
  // Failure injection is refused under NODE_ENV=production, so the faulty apis run as development.
  const faulty = (mode: string) =>
    startApi(iso, {
      verbose: opts.verbose,
      env: { ...timings, NODE_ENV: 'development', FAILURE_MODE: mode, FAILURE_RATE: '1', FAILURE_DELAY_MS: String(FAILURE_DELAY_MS) },
    });
  const [api, skipApi, delayApi, blipApi] = await Promise.all([
    startApi(iso, { verbose: opts.verbose, env: timings }),
    faulty('skip'),
    faulty('delay'),
    faulty('blip'),
  ]);
  say('worker and four apis up; load and faults start');

  // ---- load: readers and writers on the clean api ----
  const latencyMs = new Samples();
  const tally = { requests: 0, errors: 0 };
  let running = true;
  const loop = async (pauseMs: number, request: () => Promise<{ status: number }>) => {
    while (running) {
      const t0 = performance.now();
      const { status } = await request().catch(() => ({ status: 0 }));
      latencyMs.push(performance.now() - t0);
      tally.requests++;
      if (status < 200 || status >= 300) tally.errors++;
      await sleep(pauseMs);
    }
  };
  let n = 0;
  const put = (base: string, id: string, value: unknown) => httpRequest(`${base}/items/${id}`, { method: 'PUT', body: { value } });
  const loops = [
    ...Array.from({ length: LOOPS.readers }, () => loop(PAUSE_MS.reader, () => httpRequest(`${api.url}/items/${pick(readable)}`))),
    ...Array.from({ length: LOOPS.writers }, () => loop(PAUSE_MS.writer, () => put(api.url, pick(clean), { n: ++n }))),
    ...Array.from({ length: LOOPS.hotWriters }, () => loop(PAUSE_MS.hotWriter, () => put(api.url, pick(hot), { hot: ++n }))),
  ];

  // ---- faults, at random moments of the run, each recorded with its onset ----
  const runStart = Date.now();
  const faults: Fault[] = [];
  const expectOk = (what: string, status: number) => {
    if (status !== 200) throw new Error(`${what}: HTTP ${status}`);
  };
  const inject: Record<FaultKind, (itemId: string) => Promise<void>> = {
    skip: async (itemId) => {
      const onsetMs = Date.now(); // the divergence begins at the commit, inside the request
      expectOk('skip write', (await put(skipApi.url, itemId, { chaos: 'skip' })).status);
      faults.push({ itemId, kind: 'skip', onsetMs });
    },
    delay: async (itemId) => {
      const sentMs = Date.now();
      expectOk('delay write', (await put(delayApi.url, itemId, { chaos: 'delay' })).status);
      faults.push({ itemId, kind: 'delay', onsetMs: sentMs + FAILURE_DELAY_MS });
    },
    blip: async (itemId) => {
      const onsetMs = Date.now();
      expectOk('blip write', (await put(blipApi.url, itemId, { chaos: 'blip' })).status);
      faults.push({ itemId, kind: 'blip', onsetMs });
    },
    external: async (itemId) => {
      const onsetMs = Date.now();
      await pg.query(`UPDATE items SET value = value || '{"chaos": "external"}', version = version + 1, updated_at = now() WHERE id = $1`, [
        itemId,
      ]);
      faults.push({ itemId, kind: 'external', onsetMs });
    },
    corrupt: async (itemId) => {
      const key = iso.cachePrefix + itemId;
      const entry = JSON.parse((await redis.get(key))!);
      const onsetMs = Date.now();
      await redis.set(key, JSON.stringify({ ...entry, value: { chaos: 'corrupt' } }), 'KEEPTTL');
      faults.push({ itemId, kind: 'corrupt', onsetMs });
    },
    orphan: async (itemId) => {
      const at = new Date().toISOString();
      const onsetMs = Date.now();
      await redis.set(
        iso.cachePrefix + itemId,
        serializeCacheEntry({ id: itemId, name: 'ghost', value: { chaos: 'orphan' }, version: 1, createdAt: at, updatedAt: at }),
        'EX',
        CACHE_TTL_SECONDS,
      );
      faults.push({ itemId, kind: 'orphan', onsetMs });
    },
  };
  const plan: [FaultKind, string][] = [
    ...(Object.entries(targets) as [FaultKind, string[]][]).flatMap(([kind, items]) => items.map((id): [FaultKind, string] => [kind, id])),
    ...Array.from({ length: Math.max(1, Math.floor(PER_KIND / 2)) }, (): [FaultKind, string] => ['orphan', randomUUID()]),
  ];
  const window = { fromMs: 1000, toMs: Math.max(1500, DURATION_S * 1000 - 3000) };
  const injected = plan.map(
    ([kind, itemId]) =>
      new Promise<void>((resolve, reject) =>
        setTimeout(() => inject[kind](itemId).then(resolve, reject), window.fromMs + Math.random() * (window.toMs - window.fromMs)),
      ),
  );

  await sleep(DURATION_S * 1000);
  running = false;
  await Promise.all([...loops, ...injected]);
  const loadS = (Date.now() - runStart) / 1000;
  const lastOnsetMs = Math.max(...faults.map((f) => f.onsetMs));
  const metricsText = async () => (await httpRequest(`http://127.0.0.1:${workerPort}/metrics`)).body;
  // Checks done while the load ran (the settling below adds only the last confirmations), by trigger.
  const loadMetrics = await metricsText();
  const checks = counterSum(loadMetrics, 'polaris_checks_total');
  const checksByTrigger = Object.fromEntries(
    ['write', 'post-write', 'change', 'post-change', 'sweep', 'confirm'].map((t) => [
      t,
      counterSum(loadMetrics, 'polaris_checks_total', 'trigger', t),
    ]),
  );

  // Settle: time for the last fault to be found by a sweep (or a post-write check) and confirmed.
  const settleUntil = lastOnsetMs + SWEEP_INTERVAL_MS + GRACE_MS + POST_WRITE_MS + 3000;
  say(`load stopped after ${loadS.toFixed(1)} s; settling ${((settleUntil - Date.now()) / 1000).toFixed(1)} s`);
  await sleep(Math.max(0, settleUntil - Date.now()));

  const finalMetrics = await metricsText();
  const passS = metricValue(finalMetrics, 'polaris_sweep_last_pass_duration_seconds');
  const { rows } = await pg.query<{ item_id: string; kind: string; detected_by: string; first_detected_at: Date; confirmed_at: Date }>(
    `SELECT item_id, kind, detected_by, first_detected_at, confirmed_at FROM inconsistencies`,
  );
  const records: RecordRow[] = rows.map((r) => ({
    itemId: r.item_id,
    kind: r.kind,
    detectedBy: r.detected_by,
    firstDetectedAtMs: r.first_detected_at.getTime(),
    confirmedAtMs: r.confirmed_at.getTime(),
  }));
  for (const child of [api.child, skipApi.child, delayApi.child, blipApi.child, worker]) await child.stop();

  // ---- score ----
  const score = scoreChaos(faults, records);
  const lat = latencyMs.values();
  const api99 = round(percentile(lat, 99));
  const writtenGoalS = (GRACE_MS + POST_WRITE_MS + 1000) / 1000;
  const sweepGoalS = round((SWEEP_INTERVAL_MS + GRACE_MS + 1000) / 1000 + (Number.isFinite(passS) ? passS : 0));
  const goals = [
    goal('recall: injected persistent faults confirmed', '>=', 1, round(score.recall, 4)),
    goal('false confirmations', '<=', 0, score.falseConfirmations.length),
    goal('blips confirmed', '<=', 0, score.blipsConfirmed),
    goal('records of the wrong kind', '<=', 0, score.wrongKind.length),
    goal(
      'confirmation p99 from onset, written faults (s): grace + post-write + 1 s',
      '<=',
      writtenGoalS,
      score.confirmationByOrigin.written.p99S,
    ),
    goal(
      'confirmation p99 from onset, unannounced faults (s): sweep interval + pass + grace + 1 s',
      '<=',
      sweepGoalS,
      score.confirmationByOrigin.unannounced.p99S,
    ),
  ];
  const latencyRows = (label: string, s: Record<string, { n: number; p50S: number; p99S: number; maxS: number }>) =>
    Object.entries(s).map(([by, v]) => [label, by, v.n, fmt(v.p50S), fmt(v.p99S), fmt(v.maxS)]);
  const latencyTable = markdownTable(
    ['from onset to', 'detected by', 'n', 'p50 s', 'p99 s', 'max s'],
    [...latencyRows('detection', score.detection), ...latencyRows('confirmation', score.confirmation)],
    ['l', 'l', 'r', 'r', 'r', 'r'],
  );
  const summaryTable = markdownTable(
    ['recall', 'false confirmations', 'blips confirmed', 'faults injected', 'checks/s', 'api requests', 'api p99 ms', 'api errors'],
    [
      [
        `${score.persistentConfirmed}/${score.persistentInjected} (${fmt(score.recall * 100)}%)`,
        score.falseConfirmations.length,
        `${score.blipsConfirmed}/${score.injected.blip}`,
        Object.entries(score.injected)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
        fmt(checks / loadS),
        fmt(tally.requests),
        fmt(api99),
        tally.errors,
      ],
    ],
  );

  const results = {
    ...resultsHeader(NAME, opts.smoke, startedAt, measured),
    config: {
      durationS: DURATION_S,
      items: ITEMS,
      faultsPerKind: PER_KIND,
      hotKeys: HOT_KEYS,
      loops: LOOPS,
      pauseMs: PAUSE_MS,
      graceMs: GRACE_MS,
      postWriteMs: POST_WRITE_MS,
      sweepIntervalMs: SWEEP_INTERVAL_MS,
      failureDelayMs: FAILURE_DELAY_MS,
      database: iso.database,
      redis: iso.redisUrl,
      queuePrefix: iso.queuePrefix,
    },
    summary: {
      recall: score.recall,
      persistentInjected: score.persistentInjected,
      persistentConfirmed: score.persistentConfirmed,
      falseConfirmations: score.falseConfirmations.length,
      blipsConfirmed: score.blipsConfirmed,
      wrongKind: score.wrongKind.length,
      duplicateRecords: score.duplicateRecords,
      injected: score.injected,
      detection: score.detection,
      confirmation: score.confirmation,
      confirmationByOrigin: score.confirmationByOrigin,
      checksPerSec: round(checks / loadS),
      checksDuringLoad: checksByTrigger,
      sweepPassS: passS,
      api: { requests: tally.requests, errors: tally.errors, p50Ms: round(percentile(lat, 50)), p99Ms: api99 },
    },
    goals,
    missed: score.missed,
    falseConfirmations: score.falseConfirmations,
    wrongKind: score.wrongKind,
    faults,
  };
  const chart: Parameters<typeof writeResults>[3] = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'chaos: confirmation latency from fault onset',
      subtitle: [
        `recall ${score.persistentConfirmed}/${score.persistentInjected}, false confirmations ${score.falseConfirmations.length}, blips confirmed ${score.blipsConfirmed}/${score.injected.blip}`,
        `${DURATION_S} s mixed load, api p99 ${fmt(api99)} ms, ${fmt(checks / loadS)} checks/s; red: goals`,
      ],
      anchor: 'start',
    },
    data: {
      values: Object.entries(score.confirmationByOrigin).flatMap(([origin, s]) => [
        { origin, stat: 'p50', seconds: s.p50S, goal: origin === 'written' ? writtenGoalS : sweepGoalS },
        { origin, stat: 'p99', seconds: s.p99S, goal: origin === 'written' ? writtenGoalS : sweepGoalS },
      ]),
    },
    width: 260,
    height: 200,
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'origin', type: 'nominal', title: null, axis: { labelAngle: 0 } },
          xOffset: { field: 'stat', type: 'nominal' },
          y: { field: 'seconds', type: 'quantitative', title: 's' },
          color: { field: 'stat', type: 'nominal', scale: { range: ['#4c78a8', '#9ecae9'] }, title: null },
        },
      },
      {
        mark: { type: 'tick', color: '#e45756', thickness: 2, size: 60 },
        encoding: { x: { field: 'origin', type: 'nominal' }, y: { field: 'goal', type: 'quantitative' } },
      },
    ],
    config: { font: 'sans-serif', view: { stroke: null }, legend: { orient: 'bottom' } },
  };
  const files = await writeResults(opts.out, NAME, results, chart);

  console.log(`\n### chaos: ${DURATION_S} s of mixed load with injected faults${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(summaryTable + '\n');
  console.log(latencyTable + '\n');
  console.log(goalsTable(goals) + '\n');
  if (score.missed.length) console.log(`missed: ${JSON.stringify(score.missed)}`);
  if (score.falseConfirmations.length) console.log(`false confirmations: ${JSON.stringify(score.falseConfirmations)}`);
  console.log(`results: ${files.json}, chart: ${files.svg}`);
  return { goalsMet: goals.every((g) => g.met) };
});
