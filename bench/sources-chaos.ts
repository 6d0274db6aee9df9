/**
 * Sources chaos run: Polaris guarding an application it knows only from polaris.yaml. The example
 * shop (examples/shop, plain Node, no Polaris code) runs its load loop in each of its modes while the
 * real built worker watches its tables and keys; the shop's own ground truth (its truth file: which
 * key it left wrong, when, and when it put it right) is then scored against Polaris's records.
 *
 *   npm run bench:sources-chaos                      # 5 modes x 120 s (~15 min)
 *   npm run bench:sources-chaos -- --smoke           # 5 modes x 6 s: proves the harness, still scored
 *   options: --modes a,b --duration S --out DIR --keep --strict --verbose
 *            load shape: --customers N --orders M --hot K --concurrency C --jitter MS --bug-rate R
 *
 * Per mode: fresh database (`shop.js setup --reset`, then `main.js migrate` installs the capture
 * triggers), the shop's keys and Polaris's queue keys removed from the Redis db, the built worker
 * (relay and sweeper on, heal off, production timings) and api started with POLARIS_SOURCES, the
 * shop run with --warm and a truth file, then Polaris left to settle (relay backlog 0, no pending
 * confirmation, no new record for a sweep interval + grace + 1 s), the truth verified by an
 * independent checker, the records fetched from the api and scored (bench/lib/shop-chaos-score.ts).
 *
 * Data: database polaris_bench_sources_chaos, Redis db 15 (BENCH_REDIS_DB), QUEUE_PREFIX
 * {bench-sources-chaos}. The yaml's keys have no prefix, so the full run's keys are the shop's plain
 * `customer:*` / `order:*` in that db. Db 15 is also where smoke runs of the other benchmarks live,
 * so this run never FLUSHDBs: it removes exactly the shop's key patterns and its own prefixes. A smoke
 * run uses its own database, prefixes, and a copy of polaris.yaml whose key templates carry its prefix.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { sessionOptions } from '@app/database';
import { freePort, removeKeys, sleep, dropDatabase } from '@app/testing';
import { ensureBuilt, WORKER_MAIN } from './lib/build';
import { commonOptions, Isolation, numberArg, PG_SERVER, REDIS_SERVER, ROOT, stringArg } from './lib/cli';
import { runBenchmark } from './lib/harness';
import { openQueues, Queues, startApi, startWorker } from './lib/polaris';
import { Child, httpRequest, waitUntil } from './lib/processes';
import { fmt, goal, Goal, goalsTable, markdownTable, resultsHeader, source, writeResults } from './lib/report';
import { sourcesChaosChart } from './lib/shop-chaos-chart';
import { checkShopCache } from './lib/shop-chaos-checker';
import {
  classifyMiss,
  parseTruth,
  scoreSourcesChaos,
  SourceRecord,
  SourcesChaosScore,
  TraceEntry,
  wrongIntervals,
} from './lib/shop-chaos-score';
import { connectRedis } from './lib/stores';

const NAME = 'sources-chaos';
const ALL_MODES = ['correct', 'stale-set', 'forget-old-key', 'skip-invalidate', 'sql'] as const;
type Mode = (typeof ALL_MODES)[number];

const opts = commonOptions({ rounds: 1 });
const MODES = (stringArg('modes') ?? ALL_MODES.join(',')).split(',').map((m) => m.trim()) as Mode[];
for (const m of MODES) if (!ALL_MODES.includes(m)) throw new Error(`--modes: unknown mode ${m} (${ALL_MODES.join(', ')})`);
const DURATION_S = numberArg('duration', opts.smoke ? 6 : 120, { min: 1, integer: false });
const LOAD = {
  customers: numberArg('customers', opts.smoke ? 200 : 1000, { min: 20 }),
  orders: numberArg('orders', opts.smoke ? 300 : 2000, { min: 20 }),
  hot: numberArg('hot', opts.smoke ? 30 : 100, { min: 1 }),
  concurrency: numberArg('concurrency', 2, { min: 1 }),
  jitterMs: numberArg('jitter', 20, { integer: false }),
  bugRate: numberArg('bug-rate', 0.1, { integer: false }),
};
if (LOAD.bugRate > 1) throw new Error('--bug-rate must be <= 1');

// Polaris's production defaults, spelled out because the thresholds are computed from them.
const GRACE_MS = 2000;
const POST_WRITE_MS = 2500;
const IMMEDIATE_MS = 100;
const SWEEP_INTERVAL_MS = 5000;
/** Relay (NOTIFY), delayed-job promotion and check batching on a loaded 2-core machine. */
const MARGIN_MS = 1000;
const TTL_SECONDS = 3600;
const CACHE_TTL = String(TTL_SECONDS);
const SHOP = join(ROOT, 'examples', 'shop', 'shop.js');
const YAML = join(ROOT, 'examples', 'shop', 'polaris.yaml');

/** This run's data; never FLUSHDB (db 15 is shared with other benchmarks' smoke runs). */
function isolationFor(smoke: boolean): Isolation & { keyPrefix: string } {
  const tag = smoke ? `sources_chaos_smoke_${process.pid}` : 'sources_chaos';
  const redisDb = process.env.BENCH_REDIS_DB ? Number(process.env.BENCH_REDIS_DB) : 15;
  return {
    name: NAME,
    database: `polaris_bench_${tag}`,
    postgresUrl: `${PG_SERVER}/polaris_bench_${tag}`,
    redisDb,
    redisUrl: `${REDIS_SERVER}/${redisDb}`,
    cachePrefix: `bench:${tag}:item:`, // the built-in items source: unused here, kept apart
    baselinePrefix: `bench:${tag}:baseline:`,
    queuePrefix: `{bench-${tag.replace(/_/g, '-')}}`,
    ownsRedisDb: false,
    keyPrefix: smoke ? `bench:${tag}:` : '',
  };
}
const iso = isolationFor(opts.smoke);
const limitS = 120 + MODES.length * (DURATION_S + 330);

interface ShopSummary {
  ops: Record<string, number>;
  buggy: number;
  errors: number;
  wrongLogged: number;
  fixedLogged: number;
  stillWrong: number;
  emailChanges: number;
  readMisses: number;
  durationMs: number;
}

interface ModeResult {
  mode: Mode;
  shop: ShopSummary & { opsTotal: number; opsPerSec: number };
  settle: { settled: boolean; waitedS: number; backlog: number; pendingConfirmations: number };
  truthCheck: {
    stillWrong: number;
    notWrongNow: { key: string; state: string }[];
    unloggedWrong: { key: string; problem: string }[];
    scanned: number;
  };
  recordsVia: 'api' | 'sql';
  score: SourcesChaosScore;
  /** Recall with the sweep's allowance too (a change that was not captured is found by the sweep). */
  sweepThreshold: { thresholdS: number; longKeys: number; recalledKeys: number; missed: number };
  checksByTrigger: Record<string, number>;
  transitions: Record<string, number>;
  sources: unknown;
  evidence: { falseConfirmations: unknown[]; missed: unknown[] };
}

/** Waits for a child to exit on its own; stops it and fails after `timeoutMs`. */
async function runToEnd(child: Child, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const r = await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  if (r === 'timeout') {
    await child.stop();
    throw new Error(`${child.name} did not finish within ${timeoutMs / 1000} s:\n${child.tail()}`);
  }
  if (r.code !== 0) throw new Error(`${child.name} exited (code ${r.code}, signal ${r.signal}):\n${child.tail()}`);
}

function shop(args: string[], verbose: boolean): Child {
  return Child.start({
    name: `shop-${args[0]}`,
    script: SHOP,
    args,
    env: { DATABASE_URL: iso.postgresUrl, REDIS_URL: iso.redisUrl, KEY_PREFIX: iso.keyPrefix, CACHE_TTL_SECONDS: CACHE_TTL },
    verbose,
  });
}

const lastJsonLine = (child: Child) => {
  const line = child
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{"command"'))
    .pop();
  if (!line) throw new Error(`${child.name} printed no summary:\n${child.tail()}`);
  return JSON.parse(line);
};

const getJson = async <T>(url: string): Promise<T> => {
  const r = await httpRequest(url, { timeoutMs: 15_000 });
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body) as T;
};

/** Prometheus counter → { label value: sum }. */
function byLabel(metrics: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(new RegExp(`^${metric}\\{[^}]*${label}="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))) {
    out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

interface ApiRecord {
  id: string;
  key: string;
  source: string;
  kind: string;
  status: string;
  detectedBy: string;
  count: number;
  firstSeen: string;
  confirmedAt: string;
  resolvedAt: string | null;
}

const toRecord = (r: ApiRecord): SourceRecord => ({
  id: r.id,
  key: r.key,
  source: r.source,
  kind: r.kind,
  status: r.status,
  detectedBy: r.detectedBy,
  count: r.count,
  firstSeenMs: Date.parse(r.firstSeen),
  confirmedAtMs: Date.parse(r.confirmedAt),
  resolvedAtMs: r.resolvedAt === null ? null : Date.parse(r.resolvedAt),
});

runBenchmark(NAME, { limitS, strict: opts.strict }, async ({ say, onCleanup }) => {
  const startedAt = new Date();
  say(
    `modes=${MODES.join(',')} duration=${DURATION_S}s customers=${LOAD.customers} orders=${LOAD.orders} hot=${LOAD.hot} ` +
      `concurrency=${LOAD.concurrency} jitter=${LOAD.jitterMs}ms bug-rate=${LOAD.bugRate} db=${iso.database} redis=${iso.redisUrl}`,
  );
  ensureBuilt(say);
  const measured = source();

  const dir = mkdtempSync(join(tmpdir(), 'polaris-sources-chaos-'));
  // A smoke run's keys carry its prefix: its own copy of the example's declaration, templates prefixed.
  const yaml = iso.keyPrefix ? join(dir, 'polaris.yaml') : YAML;
  if (iso.keyPrefix) writeFileSync(yaml, readFileSync(YAML, 'utf8').replace(/key: "/g, `key: "${iso.keyPrefix}`));

  const redis = connectRedis(iso);
  const queues: Queues = openQueues(iso);
  const clearRedis = () => removeKeys(redis, [`${iso.keyPrefix}customer:`, `${iso.keyPrefix}order:`, iso.queuePrefix, iso.cachePrefix]);
  let pg: Client | undefined;
  onCleanup(async () => {
    await queues.close();
    await pg?.end().catch(() => undefined);
    if (!opts.keep) {
      await clearRedis();
      await dropDatabase(PG_SERVER, iso.database);
      rmSync(dir, { recursive: true, force: true });
    } else say(`kept: database ${iso.database}, keys in ${iso.redisUrl}, truth files in ${dir}`);
    await redis.quit();
  });

  const polarisEnv = {
    POLARIS_SOURCES: yaml,
    GRACE_PERIOD_MS: String(GRACE_MS),
    POST_WRITE_CHECK_DELAY_MS: String(POST_WRITE_MS),
    IMMEDIATE_CHECK_DELAY_MS: String(IMMEDIATE_MS),
    SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS),
    HEAL_POLICY: 'off',
  };

  const results: ModeResult[] = [];
  let thresholdMs = NaN;
  let sweepThresholdMs = NaN;
  for (const mode of MODES) {
    say(`--- ${mode} ---`);
    // ---- fresh stores ----
    await pg?.end();
    pg = undefined;
    await dropDatabase(PG_SERVER, iso.database);
    const setup = shop(['setup', '--reset', '--customers', String(LOAD.customers), '--orders', String(LOAD.orders)], opts.verbose);
    await runToEnd(setup, 120_000);
    await clearRedis();
    const migrate = Child.start({
      name: 'polaris-migrate',
      script: WORKER_MAIN,
      args: ['migrate'],
      env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', POSTGRES_URL: iso.postgresUrl, POLARIS_SOURCES: yaml },
      verbose: opts.verbose,
    });
    await runToEnd(migrate, 120_000);
    for (const t of ['customers on shop.customers', 'orders on shop.orders']) {
      if (!migrate.output().includes(`Capture trigger installed: ${t}`))
        throw new Error(`migrate did not install ${t}:\n${migrate.tail()}`);
    }
    pg = new Client({ connectionString: iso.postgresUrl, options: sessionOptions({ schema: 'polaris' }) }); // Polaris's tables by name
    await pg.connect();

    // ---- Polaris ----
    const workerPort = await freePort();
    const worker = await startWorker(iso, queues, {
      verbose: opts.verbose,
      env: { ...polarisEnv, WORKER_HTTP_PORT: String(workerPort), SWEEP_ENABLED: 'true', RELAY_ENABLED: 'true' },
    });
    const api = await startApi(iso, { verbose: opts.verbose, env: polarisEnv });
    const declared = (await getJson<any[]>(`${api.url}/sources`)).filter((s) => !s.builtIn);
    if (declared.map((s) => s.name).join(',') !== 'customers,orders') throw new Error(`api lists sources ${JSON.stringify(declared)}`);
    for (const s of declared) if (s.heal !== 'off') throw new Error(`source ${s.name} heals (${s.heal}): the truth would not hold`);
    const checkDelayMs = Math.max(...declared.map((s) => s.checkDelayMs ?? IMMEDIATE_MS));
    thresholdMs = GRACE_MS + checkDelayMs + MARGIN_MS;
    sweepThresholdMs = thresholdMs + SWEEP_INTERVAL_MS;
    const metrics = async () => (await httpRequest(`http://127.0.0.1:${workerPort}/metrics`)).body;

    // ---- the shop's load ----
    const truthFile = join(dir, `${mode}.jsonl`);
    rmSync(truthFile, { force: true });
    const run = shop(
      [
        'run',
        '--mode',
        mode,
        '--duration',
        String(DURATION_S),
        '--concurrency',
        String(LOAD.concurrency),
        '--hot',
        String(LOAD.hot),
        '--jitter',
        String(LOAD.jitterMs),
        '--bug-rate',
        String(LOAD.bugRate),
        '--warm',
        '--truth',
        truthFile,
      ],
      opts.verbose,
    );
    say(`shop running ${mode} for ${DURATION_S} s`);
    await runToEnd(run, DURATION_S * 1000 + 120_000);
    const loadEndMs = Date.now();
    const summary = lastJsonLine(run) as ShopSummary;
    const opsTotal = Object.values(summary.ops).reduce((a, b) => a + b, 0);
    say(
      `shop done: ${opsTotal} ops, ${summary.wrongLogged} wrong / ${summary.fixedLogged} fixed logged, ${summary.stillWrong} still wrong`,
    );
    worker.assertRunning();

    // ---- settle ----
    await sleep(GRACE_MS + SWEEP_INTERVAL_MS + MARGIN_MS);
    const quietMs = SWEEP_INTERVAL_MS + GRACE_MS + MARGIN_MS;
    let last = { records: -1, sinceMs: Date.now() };
    let probe = { backlog: -1, pending: -1 };
    const settled = await waitUntil(
      `${mode}: Polaris settled`,
      async () => {
        const backlog = Number((await pg!.query(`SELECT count(*)::int AS n FROM source_changes`)).rows[0].n);
        const pending = await queues.outstanding(queues.confirmations);
        const records = Number((await pg!.query(`SELECT count(*)::int AS n FROM inconsistencies`)).rows[0].n);
        probe = { backlog, pending };
        if (records !== last.records || backlog > 0 || pending > 0) last = { records, sinceMs: Date.now() };
        return Date.now() - last.sinceMs >= quietMs;
      },
      { timeoutMs: 150_000, intervalMs: 500, watch: [worker, api.child] },
    ).catch((err: Error) => {
      say(`not settled: ${err.message.split('\n')[0]}`);
      return false;
    });
    const settle = {
      settled: Boolean(settled),
      waitedS: Number(((Date.now() - loadEndMs) / 1000).toFixed(1)),
      backlog: probe.backlog,
      pendingConfirmations: probe.pending,
    };
    say(`settled=${settle.settled} after ${settle.waitedS} s`);

    // ---- the truth, verified independently ----
    const endMs = Date.now();
    const events = parseTruth(readFileSync(truthFile, 'utf8'));
    const intervals = wrongIntervals(events, endMs);
    const stillWrongKeys = intervals.filter((i) => i.open).map((i) => i.key);
    const checked = await checkShopCache(redis, pg, iso.keyPrefix, stillWrongKeys);
    const notWrongNow = [...checked.verdicts].filter(([, v]) => v.state !== 'wrong').map(([key, v]) => ({ key, state: v.state }));
    const claimed = new Set(stillWrongKeys);
    const unloggedWrong = [...checked.wrong].filter(([key]) => !claimed.has(key)).map(([key, problem]) => ({ key, problem }));

    // ---- Polaris's records ----
    let recordsVia: 'api' | 'sql' = 'api';
    let records: SourceRecord[] = [];
    for (const s of ['customers', 'orders']) {
      const list = await getJson<ApiRecord[]>(`${api.url}/items/inconsistencies/all?source=${s}&limit=1000`);
      const n = Number((await pg.query(`SELECT count(*)::int AS n FROM inconsistencies WHERE source = $1`, [s])).rows[0].n);
      if (list.length === n) {
        records.push(...list.map(toRecord));
        continue;
      }
      if (list.length < 1000) throw new Error(`api listed ${list.length} records of ${s}, the table holds ${n}`);
      recordsVia = 'sql'; // more than one page: the api has no offset, read the table itself
      const { rows } = await pg.query(
        `SELECT id, cache_key AS key, source, kind, status, detected_by AS "detectedBy", count,
                first_detected_at AS "firstSeen", confirmed_at AS "confirmedAt", resolved_at AS "resolvedAt"
           FROM inconsistencies WHERE source = $1`,
        [s],
      );
      records.push(
        ...rows.map((r) =>
          toRecord({
            ...r,
            firstSeen: r.firstSeen.toISOString(),
            confirmedAt: r.confirmedAt.toISOString(),
            resolvedAt: r.resolvedAt?.toISOString() ?? null,
          }),
        ),
      );
    }
    const stray = records.filter((r) => !r.key.startsWith(`${iso.keyPrefix}customer:`) && !r.key.startsWith(`${iso.keyPrefix}order:`));
    if (stray.length) throw new Error(`records for keys that are not the shop's: ${JSON.stringify(stray.slice(0, 3))}`);
    records = records.sort((a, b) => a.confirmedAtMs - b.confirmedAtMs);

    const score = scoreSourcesChaos(intervals, records, { thresholdMs, toleranceMs: GRACE_MS });
    const sweepScore = scoreSourcesChaos(intervals, records, { thresholdMs: sweepThresholdMs, toleranceMs: GRACE_MS });

    // ---- evidence for whatever missed a goal: records' timelines, Polaris's trace of missed keys ----
    const timeline = (id: string) => getJson<any>(`${api.url}/inconsistencies/${id}`).catch((err: Error) => ({ error: err.message }));
    const trace = async (key: string) => {
      const subject = `${key.startsWith(`${iso.keyPrefix}customer:`) ? 'customers' : 'orders'}/${key}`;
      return (await redis.lrange(`${iso.queuePrefix}:trace:${subject}`, 0, -1)).reverse().map((e) => JSON.parse(e));
    };
    const truthOf = (key: string) => events.filter((e) => e.key === key);
    const evidence = {
      falseConfirmations: await Promise.all(
        score.falseConfirmations
          .slice(0, 10)
          .map(async (f) => ({ ...f, detail: await timeline(f.record.id), truth: truthOf(f.record.key) })),
      ),
      missed: await Promise.all(
        score.missed.slice(0, 20).map(async (m) => ({
          ...m,
          truth: truthOf(m.key),
          recordDetails: await Promise.all(m.records.map((r) => timeline(r.id))),
          polarisTrace: await trace(m.key).catch(() => []),
        })),
      ).then((list) =>
        list.map((m) => ({
          cause: classifyMiss(
            m,
            m.polarisTrace.length ? m.polarisTrace : (m.recordDetails.flatMap((d: any) => d.timeline ?? []) as TraceEntry[]),
          ),
          ...m,
        })),
      ),
    };
    const finalMetrics = await metrics();
    const sources = await getJson<any[]>(`${api.url}/sources`)
      .then((list) => list.filter((s) => !s.builtIn).map((s) => ({ name: s.name, stats: s.stats })))
      .catch((err: Error) => ({ error: err.message }));
    await api.child.stop();
    await worker.stop();

    const result: ModeResult = {
      mode,
      shop: { ...summary, opsTotal, opsPerSec: Math.round(opsTotal / (summary.durationMs / 1000)) },
      settle,
      truthCheck: { stillWrong: stillWrongKeys.length, notWrongNow, unloggedWrong, scanned: checked.scanned },
      recordsVia,
      score,
      sweepThreshold: {
        thresholdS: sweepThresholdMs / 1000,
        longKeys: sweepScore.longKeys,
        recalledKeys: sweepScore.recalledKeys,
        missed: sweepScore.missed.length,
      },
      checksByTrigger: byLabel(finalMetrics, 'polaris_checks_total', 'trigger'),
      transitions: byLabel(finalMetrics, 'polaris_lifecycle_transitions_total', 'transition'),
      sources,
      evidence,
    };
    results.push(result);
    say(
      `${mode}: ${score.wrongKeys} keys wrong, ${score.recalledKeys}/${score.longKeys} long ones recalled, ` +
        `${score.records} records, ${score.falseConfirmations.length} false confirmations` +
        (notWrongNow.length || unloggedWrong.length
          ? `; truth check: ${notWrongNow.length} not wrong now, ${unloggedWrong.length} unlogged`
          : ''),
    );
  }

  // ---- goals, tables, chart ----
  const goals: Goal[] = [];
  for (const r of results) {
    const s = r.score;
    if (r.mode === 'correct') goals.push(goal('correct: records', '<=', 0, s.records));
    else {
      goals.push(goal(`${r.mode}: recall of keys wrong > ${thresholdMs / 1000} s`, '>=', 1, Number(s.recall.toFixed(4))));
      goals.push(goal(`${r.mode}: keys wrong > ${thresholdMs / 1000} s (the run tested something)`, '>=', 1, s.longKeys));
    }
    goals.push(goal(`${r.mode}: false confirmations`, '<=', 0, s.falseConfirmations.length));
    goals.push(
      goal(
        `${r.mode}: ground truth verified (keys it misstates)`,
        '<=',
        0,
        r.truthCheck.notWrongNow.length + r.truthCheck.unloggedWrong.length,
      ),
    );
    goals.push(goal(`${r.mode}: shop errors`, '<=', 0, r.shop.errors));
    goals.push(goal(`${r.mode}: settled`, '>=', 1, r.settle.settled ? 1 : 0));
  }

  const T = thresholdMs / 1000;
  const kinds = (x: Record<string, number>) =>
    Object.entries(x)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '—';
  const summaryTable = markdownTable(
    [
      'mode',
      'ops',
      'ops/s',
      'keys wrong',
      `wrong > ${T} s`,
      'recalled',
      'false conf.',
      'records (by kind)',
      'detect p50 / p95 s',
      'confirm p50 / p95 s',
    ],
    results.map((r) => {
      const s = r.score;
      return [
        r.mode,
        fmt(r.shop.opsTotal),
        fmt(r.shop.opsPerSec),
        fmt(s.wrongKeys),
        fmt(s.longKeys),
        r.mode === 'correct' ? '—' : `${s.recalledKeys} (${fmt(s.recall * 100)} %)`,
        s.falseConfirmations.length,
        `${s.records}${s.records ? ` (${kinds(s.recordsByKind)})` : ''}`,
        s.detection.n ? `${fmt(s.detection.p50S)} / ${fmt(s.detection.p95S)}` : '—',
        s.confirmation.n ? `${fmt(s.confirmation.p50S)} / ${fmt(s.confirmation.p95S)}` : '—',
      ];
    }),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'],
  );
  const detailTable = markdownTable(
    [
      'mode',
      'wrong intervals',
      'still wrong at end',
      `intervals > ${T} s recalled`,
      'short ones recorded',
      'edge conf. (max s)',
      'records by status',
      'detected by',
      'settle s',
    ],
    results.map((r) => {
      const s = r.score;
      return [
        r.mode,
        fmt(s.wrongIntervals),
        fmt(s.stillWrongAtEnd),
        `${s.recalledIntervals}/${s.longIntervals}`,
        s.shortIntervalsRecorded,
        `${s.edgeConfirmations.n} (${fmt(s.edgeConfirmations.maxS)})`,
        kinds(s.recordsByStatus),
        kinds(s.recordsByDetectedBy),
        fmt(r.settle.waitedS),
      ];
    }),
    ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'l', 'r'],
  );

  const output = {
    ...resultsHeader(NAME, opts.smoke, startedAt, measured),
    config: {
      modes: MODES,
      durationS: DURATION_S,
      load: LOAD,
      graceMs: GRACE_MS,
      postWriteMs: POST_WRITE_MS,
      immediateCheckMs: IMMEDIATE_MS,
      sweepIntervalMs: SWEEP_INTERVAL_MS,
      thresholdMs,
      thresholdRule: 'GRACE_PERIOD_MS + max checkDelayMs of the sources + 1 s margin',
      sweepThresholdMs,
      toleranceMs: GRACE_MS,
      cacheTtlS: TTL_SECONDS,
      database: iso.database,
      redis: iso.redisUrl,
      keyPrefix: iso.keyPrefix,
      queuePrefix: iso.queuePrefix,
      polarisYaml: yaml === YAML ? 'examples/shop/polaris.yaml' : 'examples/shop/polaris.yaml, key templates prefixed',
    },
    modes: results,
    goals,
  };
  const chart = sourcesChaosChart(results, { durationS: DURATION_S, thresholdS: T, smoke: opts.smoke });
  const files = await writeResults(opts.out, NAME, output, chart);

  console.log(`\n### sources chaos: the example shop, ${DURATION_S} s per mode${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(summaryTable + '\n');
  console.log(detailTable + '\n');
  console.log(goalsTable(goals) + '\n');
  for (const r of results) {
    if (r.score.falseConfirmations.length)
      for (const f of r.score.falseConfirmations.slice(0, 10)) {
        const at = new Date(f.record.confirmedAtMs).toISOString();
        console.log(
          `${r.mode} false confirmation: ${f.record.key} (${f.record.kind}) confirmed ${at}, nearest wrong interval ${f.nearestS ?? 'none'} s away`,
        );
      }
    for (const m of r.evidence.missed as { key: string; durationS: number; cause: string }[]) {
      console.log(`${r.mode} missed: ${m.key} wrong ${m.durationS} s: ${m.cause}`);
    }
    if (r.truthCheck.notWrongNow.length || r.truthCheck.unloggedWrong.length)
      console.log(`${r.mode} truth check: ${JSON.stringify(r.truthCheck)}`);
  }
  console.log(`results: ${files.json}, chart: ${files.svg}`);
  return { goalsMet: goals.every((g) => g.met) };
});
