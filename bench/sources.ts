/**
 * Sources benchmark: what guarding a declared source (polaris.yaml) costs.
 *
 *   npm run bench:sources                   # 1,000,000 rows, 3 rounds per side, 20 s write rounds
 *   npm run bench:sources -- --smoke        # seconds: proves the harness, measures nothing
 *   options: --rows N --stale N --orphans N --rounds N --duration S --warmup S --clients N --formats json,hash,string
 *            --parts sweep,capture,plan --plan-rows N --variant-rounds N (0 or --no-variant: none) --time-limit S
 *            --out DIR --keep --profile --strict --verbose
 *
 * 1. Sweep, per format: one full pass of the built worker's sweeper (relay off; POLARIS_SOURCES
 *    declaring only the source under test; one tick per pass) over `bench.accounts` cached in that
 *    format (json `acct:{id}`, hash `acct:{id}:h`, string `acct:{id}:s`, written as a Node app writes
 *    them), against a bare loop in this process doing the same work: keyset SELECT of 1000 rows, one
 *    read of their keys, a per-field compare, then a SCAN of the key pattern asking PostgreSQL which
 *    ids have a row. Both must find exactly the injected stale entries and orphan keys. The pass time
 *    is the worker's own source_sweep_state.last_pass_ms.
 * 2. Capture: one-row UPDATEs on random rows (pgbench, 16 clients) with Polaris's capture trigger and
 *    the built worker relaying (relay on, sweeper off, started before and stopped after each round once
 *    caught up), against the same table with the trigger disabled and no worker. Reports tps, the
 *    relay's backlog when the load stops and how long it takes to drain, and the CPU per write of the
 *    database's backends, PostgreSQL's shared processes and the worker (from /proc). Diagnostic: the
 *    same rounds with Polaris's trigger function minus its pg_notify (--variant-rounds, default 2; --no-variant: none;
 *    skipped when the function does not notify).
 * 3. Plans: EXPLAIN of the relay's claim and delete on a never-analysed change log of 100,000 rows
 *    and on one analysed while empty, custom and cached generic plans: they must scan the primary key.
 *
 * Data: its own database (polaris_bench_sources), Redis db 14 (shared with the chaos benchmark, so
 * it never FLUSHDBs: every key it writes starts with `bench-sources:`, and those are what it removes),
 * QUEUE_PREFIX {bench-sources}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './lib/build';
import { ChartPoint, roundsChart } from './lib/chart';
import { commonOptions, flag, numberArg, stringArg } from './lib/cli';
import { checkClaimPlans, ClaimPlans } from './lib/capture-plan';
import { pgbenchVersion, writeScript } from './lib/capture-load';
import { captureRound, CaptureRound, installVariant, setCapture } from './lib/capture-rounds';
import { runBenchmark } from './lib/harness';
import { CACHE_TTL_SECONDS, profileDirFor } from './lib/polaris';
import { fmt, goal, Goal, goalsTable, markdownTable, resultsHeader, source, writeResults } from './lib/report';
import { alternate, RoundOf, Side } from './lib/rounds';
import {
  declaration,
  fillFormat,
  Format,
  FORMATS,
  injectMismatches,
  migrateSources,
  removeFormat,
  seedAccounts,
  sourceName,
  sourcesIsolation,
  TABLE,
  templateOf,
  WATCH_SOURCE,
  writeDeclaration,
} from './lib/sources-setup';
import { bareSweep, polarisSweepPass, SweepRound } from './lib/sources-sweep';
import { median, round } from './lib/stats';
import { openStores } from './lib/stores';

const NAME = 'sources';
const opts = commonOptions({ rounds: 3 });
const ROWS = numberArg('rows', opts.smoke ? 2_000 : 1_000_000, { min: 100 });
const STALE = numberArg('stale', opts.smoke ? 5 : 100, { min: 1 });
const ORPHANS = numberArg('orphans', opts.smoke ? 2 : 10, { min: 1 });
const DURATION_S = numberArg('duration', opts.smoke ? 1 : 20, { min: 1 });
const WARMUP_S = numberArg('warmup', opts.smoke ? 0 : 3);
const CLIENTS = numberArg('clients', 16, { min: 1 });
const THREADS = Math.min(CLIENTS, 2);
const PLAN_ROWS = numberArg('plan-rows', opts.smoke ? 10_000 : 100_000, { min: 1000 });
const ROUND_LIMIT_S = numberArg('round-limit', opts.smoke ? 60 : 240, { min: 1 });
const DRAIN_LIMIT_S = numberArg('drain-limit', opts.smoke ? 30 : 120, { min: 1 });
const TIME_LIMIT_S = numberArg('time-limit', opts.smoke ? 600 : 1500, { min: 60 });
const VARIANT_ROUNDS = flag('no-variant') ? 0 : numberArg('variant-rounds', Math.min(opts.rounds, 2), { min: 0 });
const VARIANT = VARIANT_ROUNDS > 0;
const SELECTED_FORMATS = (stringArg('formats') ?? FORMATS.join(',')).split(',') as Format[];
const PARTS = new Set((stringArg('parts') ?? 'sweep,capture,plan').split(','));
const BATCH = 1000; // SWEEP_BATCH_SIZE and RELAY_BATCH_SIZE defaults, and the bare loop's page
const GOAL_RATIO = 0.75;
const GOAL_DRAIN_S = 5;

for (const f of SELECTED_FORMATS) if (!FORMATS.includes(f)) throw new Error(`--formats: unknown format ${f}`);
for (const p of PARTS) if (!['sweep', 'capture', 'plan'].includes(p)) throw new Error(`--parts: unknown part ${p}`);

const iso = sourcesIsolation(opts.smoke);

const medianOf = <T>(rs: RoundOf<T>[], side: Side, f: (r: T) => number | undefined) =>
  round(
    median(
      rs
        .filter((r) => r.side === side)
        .map((r) => f(r.result) ?? NaN)
        .filter(Number.isFinite),
    ),
    4,
  );
const sumOf = (rec: Record<string, number>) => Object.values(rec).reduce((a, b) => a + b, 0);
/** The most frequent wait events of a side's rounds, as shares of all active-backend samples. */
function topWaits(rs: CaptureRound[], n = 6): Record<string, number> {
  const total: Record<string, number> = {};
  for (const r of rs) for (const [w, k] of Object.entries(r.pgWaits.waits)) total[w] = (total[w] ?? 0) + k;
  const all = sumOf(total);
  return Object.fromEntries(
    Object.entries(total)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([w, k]) => [w, round(k / all, 2)]),
  );
}

runBenchmark(NAME, { limitS: TIME_LIMIT_S, strict: opts.strict }, async ({ say, onCleanup }) => {
  const startedAt = new Date();
  say(
    `rows=${ROWS} stale=${STALE} orphans=${ORPHANS} rounds=${opts.rounds} writes=${CLIENTS} clients × ${DURATION_S} s formats=${SELECTED_FORMATS} ` +
      `parts=${[...PARTS]} db=${iso.database} redis=${iso.redisUrl} keys=${iso.keyPrefix}*`,
  );
  ensureBuilt(say);
  const measured = source();
  const pgbench = PARTS.has('capture') ? await pgbenchVersion() : null;
  if (PARTS.has('capture') && !pgbench) say('pgbench not found: the writes come from node-pg connections in this process');

  const { pg, redis, queues } = await openStores(iso, opts.keep, onCleanup);
  const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-sources-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const profileDir = profileDirFor(opts.out, NAME, opts.profile);

  let t = performance.now();
  await seedAccounts(pg, ROWS);
  say(`seeded ${fmt(ROWS)} rows in ${TABLE} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // ---- 1. sweep, per format ----
  const sweep: Partial<Record<Format, { rounds: RoundOf<SweepRound>[]; fillS: number; stale: number[]; orphans: number[] }>> = {};
  if (PARTS.has('sweep')) {
    for (const format of SELECTED_FORMATS) {
      const name = sourceName(format);
      const file = writeDeclaration(dir, `${format}.yaml`, declaration(name, format, iso.keyPrefix, 'none'));
      t = performance.now();
      const filled = await fillFormat(pg, redis, format, iso.keyPrefix, CACHE_TTL_SECONDS);
      const injected = await injectMismatches(pg, redis, format, iso.keyPrefix, {
        rows: ROWS,
        stale: STALE,
        orphans: ORPHANS,
        ttlS: CACHE_TTL_SECONDS,
      });
      const fillS = (performance.now() - t) / 1000;
      say(
        `${format}: cached ${fmt(filled)} rows as ${templateOf(format, iso.keyPrefix)} in ${fillS.toFixed(1)} s; ${STALE} made stale, ${ORPHANS} orphans`,
      );
      const rounds = await alternate<SweepRound>(
        opts.rounds,
        async (side) => {
          const r =
            side === 'polaris'
              ? await polarisSweepPass({
                  iso,
                  queues,
                  pg,
                  redis,
                  source: name,
                  declarationFile: file,
                  rows: ROWS,
                  orphans: ORPHANS,
                  batch: BATCH,
                  roundLimitS: ROUND_LIMIT_S,
                  profileDir,
                  verbose: opts.verbose,
                })
              : await bareSweep(pg, redis, format, iso.keyPrefix, BATCH);
          if (r.rows !== ROWS || r.staleFound !== STALE || r.orphansFound !== ORPHANS) {
            throw new Error(
              `${format} ${side}: compared ${r.rows} rows, found ${r.staleFound} stale and ${r.orphansFound} orphans; expected ${ROWS}, ${STALE}, ${ORPHANS}`,
            );
          }
          return r;
        },
        (msg) => say(`${format} sweep ${msg}`),
        (r) =>
          `${r.seconds.toFixed(2)} s (rows ${r.rowsPhaseS.toFixed(2)} s + orphan scan ${r.keysPhaseS.toFixed(2)} s of ${fmt(r.keys)} keys), ` +
          `${fmt(r.rowsPerSec)} rows/s, found ${r.staleFound} stale + ${r.orphansFound} orphans`,
      );
      await removeFormat(
        redis,
        format,
        iso.keyPrefix,
        (function* () {
          for (let id = 1; id <= ROWS; id++) yield id;
          yield* injected.orphans;
        })(),
      );
      sweep[format] = { rounds, fillS, stale: injected.stale, orphans: injected.orphans };
    }
  }

  // ---- 2. capture ----
  let capture:
    { rounds: RoundOf<CaptureRound>[]; variantRounds: RoundOf<CaptureRound>[]; warmup?: CaptureRound; migrateOutput: string } | undefined;
  if (PARTS.has('capture')) {
    const file = writeDeclaration(dir, 'capture.yaml', declaration(WATCH_SOURCE, 'json', iso.keyPrefix, 'trigger'));
    const migrateOutput = migrateSources(iso, file);
    say(`migrate with ${WATCH_SOURCE}: ${migrateOutput.trim().split('\n').join('; ')}`);
    const variantInstalled = VARIANT && (await installVariant(pg));
    if (VARIANT && !variantInstalled) say('the capture function does not notify: no diagnostic rounds without pg_notify');
    const ctx = {
      iso,
      pg,
      redis,
      queues,
      declarationFile: file,
      script: pgbench ? writeScript(dir) : null,
      rows: ROWS,
      clients: CLIENTS,
      threads: THREADS,
      drainLimitS: DRAIN_LIMIT_S,
      variantInstalled,
      profileDir,
      verbose: opts.verbose,
    };
    const describe = (r: CaptureRound) =>
      `${fmt(r.tps)} tps (${fmt(r.transactions)} updates, ${fmt(r.changesCaptured)} captured), ${fmt(r.cpuPerWriteUs)} µs CPU/write` +
      (r.mode === 'bare'
        ? ''
        : `, backlog ${fmt(r.backlogAtEnd!)} at the end, relay drained in ${r.relayDrainS!.toFixed(2)} s, checks done in ${r.catchUpS!.toFixed(1)} s, ` +
          `worker ${fmt(r.workerCpuPerChangeUs!)} µs/change, ${fmt(r.changesPerRelayBatch!)} changes per relay batch (${r.relayBatchesSampled} batches in the last 2.5 s)`);
    const check = (r: CaptureRound) => {
      if (r.failed > 0) throw new Error(`${r.mode}: ${r.failed} failed transactions`);
      if (r.mode === 'bare' && r.changesCaptured !== 0)
        throw new Error(`bare round captured ${r.changesCaptured} changes: a trigger is on`);
      // Every update is captured: up to one per client may still have been in flight when pgbench stopped counting.
      if (r.mode !== 'bare' && (r.changesCaptured < r.transactions || r.changesCaptured > r.transactions + CLIENTS)) {
        throw new Error(`${r.mode}: ${r.changesCaptured} changes captured for ${r.transactions} updates`);
      }
      return r;
    };
    let warmup: CaptureRound | undefined;
    if (WARMUP_S > 0) {
      warmup = check(await captureRound(ctx, 'bare', WARMUP_S));
      say(`warm-up (bare): ${describe(warmup)}`);
    }
    const rounds = await alternate<CaptureRound>(
      opts.rounds,
      async (side) => check(await captureRound(ctx, side === 'polaris' ? 'polaris' : 'bare', DURATION_S)),
      (msg) => say(`capture ${msg}`),
      describe,
    );
    const variantRounds = variantInstalled
      ? await alternate<CaptureRound>(
          VARIANT_ROUNDS,
          async (side) => check(await captureRound(ctx, side === 'polaris' ? 'variant' : 'bare', DURATION_S)),
          (msg) => say(`capture without pg_notify (diagnostic) ${msg}`),
          describe,
        )
      : [];
    await setCapture(pg, 'polaris', variantInstalled); // as migrate left it
    capture = { rounds, variantRounds, warmup, migrateOutput };
  }

  // ---- 3. the relay's claim plans ----
  let plans: ClaimPlans | undefined;
  if (PARTS.has('plan')) {
    plans = await checkClaimPlans(pg, { rows: PLAN_ROWS, batch: BATCH, keep: opts.keep });
    for (const c of plans.checks) say(`plan, ${c.scenario}, ${c.statement}, ${c.plan}: ${c.nodes.join(' → ')}`);
  }

  // ---- summary ----
  const goals: Goal[] = [];
  const points: ChartPoint[] = [];
  const sections: string[] = [];
  const sweepSummary: Record<string, unknown> = {};
  if (PARTS.has('sweep')) {
    const rows: (string | number)[][] = [];
    for (const format of SELECTED_FORMATS) {
      const rs = sweep[format]!.rounds;
      const p = {
        seconds: medianOf(rs, 'polaris', (r) => r.seconds),
        rowsPhaseS: medianOf(rs, 'polaris', (r) => r.rowsPhaseS),
        keysPhaseS: medianOf(rs, 'polaris', (r) => r.keysPhaseS),
      };
      const b = {
        seconds: medianOf(rs, 'baseline', (r) => r.seconds),
        rowsPhaseS: medianOf(rs, 'baseline', (r) => r.rowsPhaseS),
        keysPhaseS: medianOf(rs, 'baseline', (r) => r.keysPhaseS),
      };
      const ratio = round(b.seconds / p.seconds);
      const rowsPhaseRatio = round(b.rowsPhaseS / p.rowsPhaseS);
      const keysPhaseRatio = round(b.keysPhaseS / p.keysPhaseS);
      sweepSummary[format] = {
        source: sourceName(format),
        key: templateOf(format, iso.keyPrefix),
        polaris: { ...p, rowsPerSec: round(ROWS / p.seconds, 4) },
        baseline: { ...b, rowsPerSec: round(ROWS / b.seconds, 4) },
        ratio,
        rowsPhaseRatio,
        keysPhaseRatio,
        fillSeconds: round(sweep[format]!.fillS),
      };
      goals.push(goal(`sweep ${format}: rows/s ratio (bare pass s / Polaris pass s, medians)`, '>=', GOAL_RATIO, ratio));
      rows.push([
        format,
        fmt(p.seconds),
        `${fmt(p.rowsPhaseS)} + ${fmt(p.keysPhaseS)}`,
        fmt(b.seconds),
        `${fmt(b.rowsPhaseS)} + ${fmt(b.keysPhaseS)}`,
        fmt(ROWS / p.seconds),
        fmt(ROWS / b.seconds),
        `**${fmt(ratio)}**`,
        `${fmt(rowsPhaseRatio)} / ${fmt(keysPhaseRatio)}`,
      ]);
      for (const r of rs) points.push({ round: r.round, side: r.side, metric: `${format} pass`, value: r.result.seconds });
    }
    sections.push(
      `#### sweep: one full pass over ${fmt(ROWS)} rows (${STALE} stale entries and ${ORPHANS} orphan keys injected per format, all found on both sides)\n\n` +
        markdownTable(
          [
            'format',
            'Polaris pass s',
            'rows + orphan scan s',
            'bare s',
            'bare rows + scan s',
            'Polaris rows/s',
            'bare rows/s',
            'ratio',
            'ratio rows / scan',
          ],
          rows,
        ),
    );
  }

  let captureSummary: Record<string, unknown> | undefined;
  if (capture) {
    const { rounds, variantRounds } = capture;
    const side = (rs: RoundOf<CaptureRound>[], s: Side) => {
      const mine = rs.filter((r) => r.side === s).map((r) => r.result);
      return {
        tps: medianOf(rs, s, (r) => r.tps),
        latencyMs: medianOf(rs, s, (r) => r.latencyMs),
        cpuPerWriteUs: medianOf(rs, s, (r) => r.cpuPerWriteUs),
        cpuPerWriteDuringLoadUs: medianOf(
          rs,
          s,
          (r) =>
            ((r.cpuDuringLoad.cpuS.pgBackends + r.cpuDuringLoad.cpuS.pgShared + (r.cpuDuringLoad.cpuS.worker ?? 0)) / r.transactions) * 1e6,
        ),
        machineCpuPerWriteUs: medianOf(rs, s, (r) => r.machineCpuPerWriteUs),
        pgBackendCores: medianOf(rs, s, (r) => r.cpuDuringLoad.cpuS.pgBackends / r.cpuDuringLoad.seconds),
        loadCores: medianOf(rs, s, (r) => (r.cpuDuringLoad.cpuS.load ?? NaN) / r.cpuDuringLoad.seconds),
        workerCores: medianOf(rs, s, (r) => (r.cpuDuringLoad.cpuS.worker ?? NaN) / r.cpuDuringLoad.seconds),
        otherDatabasesCores: medianOf(rs, s, (r) => r.cpuDuringLoad.cpuS.pgOtherDatabases / r.cpuDuringLoad.seconds),
        workerCpuPerChangeUs: medianOf(rs, s, (r) => r.workerCpuPerChangeUs),
        changesPerRelayBatch: medianOf(rs, s, (r) => r.changesPerRelayBatch),
        maxBacklogAtEnd: Math.max(0, ...mine.map((r) => r.backlogAtEnd ?? 0)),
        maxRelayDrainS: round(Math.max(0, ...mine.map((r) => r.relayDrainS ?? 0))),
        maxCatchUpS: round(Math.max(0, ...mine.map((r) => r.catchUpS ?? 0))),
        topWaits: topWaits(mine),
      };
    };
    const polaris = side(rounds, 'polaris');
    const bare = side(rounds, 'baseline');
    const ratio = round(polaris.tps / bare.tps);
    const cpuPerChangeUs = round(polaris.cpuPerWriteUs - bare.cpuPerWriteUs);
    const variant = variantRounds.length ? side(variantRounds, 'polaris') : undefined;
    const variantBare = variantRounds.length ? side(variantRounds, 'baseline') : undefined;
    const variantRatio = variant ? round(variant.tps / variantBare!.tps) : undefined;
    captureSummary = {
      polaris,
      bare,
      ratio,
      cpuPerChangeUs,
      ...(variant
        ? {
            withoutNotify: {
              variant,
              bare: variantBare,
              ratio: variantRatio,
              cpuPerChangeUs: round(variant.cpuPerWriteUs - variantBare!.cpuPerWriteUs),
            },
          }
        : {}),
    };
    goals.push(goal('writes: tps ratio (capture trigger + relay / no trigger, medians)', '>=', GOAL_RATIO, ratio));
    goals.push(goal('relay: seconds to drain the change log after each round (max)', '<=', GOAL_DRAIN_S, polaris.maxRelayDrainS));
    const row = (label: string, s: ReturnType<typeof side>, r: number | string) => [
      label,
      fmt(s.tps),
      fmt(s.latencyMs),
      r,
      fmt(s.cpuPerWriteUs),
      fmt(s.machineCpuPerWriteUs),
      Number.isFinite(s.workerCpuPerChangeUs) ? fmt(s.workerCpuPerChangeUs) : '',
      Number.isFinite(s.changesPerRelayBatch) ? fmt(s.changesPerRelayBatch) : '',
      s.maxCatchUpS > 0 ? `${fmt(s.maxBacklogAtEnd)} / ${fmt(s.maxRelayDrainS)} s / ${fmt(s.maxCatchUpS)} s` : '',
      Object.entries(s.topWaits)
        .slice(0, 3)
        .map(([w, k]) => `${w} ${Math.round(k * 100)}%`)
        .join(', '),
    ];
    sections.push(
      `#### writes: one-row UPDATEs, ${CLIENTS} clients (${pgbench ?? 'node-pg'}), ${opts.rounds} × ${DURATION_S} s per side\n\n` +
        markdownTable(
          [
            'side',
            'tps',
            'latency ms',
            'ratio',
            'CPU µs/write (db + worker)',
            'machine CPU µs/write',
            'worker µs/change',
            'changes per relay batch (last 2.5 s)',
            'backlog at end / relay drained / checks done (max)',
            'top waits of active backends',
          ],
          [
            row('capture trigger + relay (Polaris)', polaris, `**${fmt(ratio)}**`),
            row('no trigger, no worker', bare, '1'),
            ...(variant
              ? [
                  row('diagnostic: trigger without pg_notify + relay (polling)', variant, fmt(variantRatio!)),
                  row('no trigger (its alternating rounds)', variantBare!, '1'),
                ]
              : []),
          ],
        ) +
        `\n\nCPU per captured change (Polaris's CPU µs/write − the bare side's): **${fmt(cpuPerChangeUs)} µs**` +
        (variant ? `; without pg_notify: ${fmt(variant.cpuPerWriteUs - variantBare!.cpuPerWriteUs)} µs` : ''),
    );
    for (const r of rounds) {
      points.push({ round: r.round, side: r.side, metric: 'writes', value: r.result.tps });
      points.push({ round: r.round, side: r.side, metric: 'CPU per write', value: r.result.cpuPerWriteUs });
    }
  }

  if (plans) {
    goals.push(goal('relay claim and delete scan the primary key in every plan (1 = yes)', '>=', 1, plans.allIndexDriven ? 1 : 0));
    sections.push(
      `#### the relay's claim on a change log of ${fmt(PLAN_ROWS)} rows without statistics\n\n` +
        `\`${plans.claimSql}\` (batch ${BATCH}), then \`${plans.deleteSql}\`${plans.claimSqlMatchesSource ? '' : ' — **these no longer match change-log.ts**'}\n\n` +
        markdownTable(
          ['table', 'statement', 'plan', 'nodes', 'scan est. rows', 'scan rows', 'ms', 'index-driven'],
          plans.checks.map((c) => [
            c.scenario,
            c.statement,
            c.plan,
            c.nodes.join(' → '),
            c.scanEstimatedRows ?? '',
            c.scanActualRows ?? '',
            c.executionMs === undefined ? '' : fmt(c.executionMs),
            c.indexDriven ? 'yes' : c.scenario.includes('diagnostic') ? 'no' : '**no**',
          ]),
        ),
    );
  }

  const perRound = markdownTable(
    ['part', 'round', 'side', 'result'],
    [
      ...SELECTED_FORMATS.filter(() => PARTS.has('sweep')).flatMap((f) =>
        sweep[f]!.rounds.map((r) => [
          `sweep ${f}`,
          r.round,
          r.side,
          `${r.result.seconds.toFixed(2)} s (rows ${r.result.rowsPhaseS.toFixed(2)} + scan ${r.result.keysPhaseS.toFixed(2)})`,
        ]),
      ),
      ...[
        ...(capture?.rounds ?? []).map((r) => ['writes', r] as const),
        ...(capture?.variantRounds ?? []).map((r) => ['writes (diagnostic)', r] as const),
      ].map(([part, r]) => [
        part,
        r.round,
        r.result.mode,
        `${fmt(r.result.tps)} tps, ${fmt(r.result.cpuPerWriteUs)} µs/write` +
          (r.result.mode === 'bare' ? '' : `, backlog ${fmt(r.result.backlogAtEnd!)}, drained ${r.result.relayDrainS!.toFixed(2)} s`),
      ]),
    ],
    ['l', 'r', 'l', 'l'],
  );

  const results = {
    ...resultsHeader(NAME, opts.smoke, startedAt, measured),
    config: {
      rows: ROWS,
      stale: STALE,
      orphans: ORPHANS,
      formats: SELECTED_FORMATS,
      parts: [...PARTS],
      batch: BATCH,
      rounds: opts.rounds,
      writeRoundSeconds: DURATION_S,
      withoutNotifyRounds: VARIANT_ROUNDS,
      warmupSeconds: WARMUP_S,
      clients: CLIENTS,
      loadGenerator: pgbench
        ? `${pgbench}: -n -M prepared -c ${CLIENTS} -j ${THREADS} -T ${DURATION_S}`
        : `node-pg, ${CLIENTS} connections`,
      planRows: PLAN_ROWS,
      order: 'alternating, first side swapped every round (P B, B P, …)',
      database: iso.database,
      redis: iso.redisUrl,
      keyPrefix: iso.keyPrefix,
      queuePrefix: iso.queuePrefix,
      table: `${TABLE} (id bigint primary key, email text, tier text, balance numeric(12,2), updated_at timestamptz)`,
    },
    polaris: {
      sweep:
        'the built worker (node dist/apps/worker/main.js), NODE_ENV=production, RELAY_ENABLED=false, SWEEP_INTERVAL_MS=2000, SWEEP_BATCH_SIZE=1000, ' +
        'one tick per pass, POLARIS_SOURCES declaring only the source under test (capture: none), only that format cached; pass time = source_sweep_state.last_pass_ms; ' +
        'phases split at the first /metrics poll (100 ms) that sees the orphan scan',
      capture:
        `migrate installed ${'polaris_capture_' + WATCH_SOURCE} (json key ${templateOf('json', iso.keyPrefix)}, version updated_at, onChange check); the built worker ` +
        '(RELAY_ENABLED=true, SWEEP_ENABLED=false, defaults otherwise: checks run too) started before each round, stopped once the change log and the queues are empty; ' +
        "nothing is cached, so every check finds a miss. CPU from /proc: this database's backends, PostgreSQL's shared processes, the worker, sampled every 100 ms, over the load plus the catch-up",
    },
    baseline: {
      sweep:
        'in the harness process: keyset SELECT id, email, tier, balance, updated_at … LIMIT 1000, MGET (json, string) or pipelined HGETALL (hash), ' +
        'JSON.parse and per-field compare (text, exact decimal, Date.parse = node-pg Date), then SCAN MATCH of the key pattern COUNT 1000 with SELECT id … WHERE id = ANY per step',
      capture: 'the same table and load with the capture trigger disabled (ALTER TABLE … DISABLE TRIGGER) and no worker',
    },
    summary: { sweep: sweepSummary, capture: captureSummary, claimPlansIndexDriven: plans?.allIndexDriven },
    goals,
    sweep: Object.fromEntries(
      Object.entries(sweep).map(([f, s]) => [
        f,
        {
          staleIds: s!.stale,
          orphanIds: s!.orphans,
          rounds: s!.rounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
        },
      ]),
    ),
    capture: capture && {
      migrate: capture.migrateOutput.trim(),
      warmup: capture.warmup,
      rounds: capture.rounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
      withoutNotifyRounds: capture.variantRounds.map((r) => ({
        round: r.round,
        side: r.side,
        slot: r.slot,
        startedAt: r.startedAt,
        ...r.result,
      })),
    },
    claimPlans: plans,
  };
  const subtitle: string[] = [];
  for (const format of SELECTED_FORMATS.filter(() => PARTS.has('sweep'))) {
    const s = sweepSummary[format] as { polaris: { seconds: number }; baseline: { seconds: number }; ratio: number };
    subtitle.push(
      `sweep ${format}: Polaris ${fmt(s.polaris.seconds)} s vs bare ${fmt(s.baseline.seconds)} s per pass of ${fmt(ROWS)} rows, ratio ${fmt(s.ratio)}`,
    );
  }
  if (captureSummary) {
    const c = captureSummary as { polaris: { tps: number }; bare: { tps: number }; ratio: number; cpuPerChangeUs: number };
    subtitle.push(
      `writes: ${fmt(c.polaris.tps)} tps with capture + relay vs ${fmt(c.bare.tps)} without, ratio ${fmt(c.ratio)}; ${fmt(c.cpuPerChangeUs)} µs CPU per captured change`,
    );
  }
  if (captureSummary?.withoutNotify) {
    const v = captureSummary.withoutNotify as { variant: { tps: number }; ratio: number; cpuPerChangeUs: number };
    subtitle.push(
      `diagnostic, the trigger without pg_notify: ${fmt(v.variant.tps)} tps, ratio ${fmt(v.ratio)}, ${fmt(v.cpuPerChangeUs)} µs CPU per change (not charted)`,
    );
  }
  subtitle.push('dashed: medians');
  const metrics = [
    ...SELECTED_FORMATS.filter(() => PARTS.has('sweep')).map((f) => ({ name: `${f} pass`, unit: 's' })),
    ...(capture
      ? [
          { name: 'writes', unit: 'tps' },
          { name: 'CPU per write', unit: 'µs (db + worker)' },
        ]
      : []),
  ];
  const chart = roundsChart('sources: sweep per format, writes with capture', subtitle, points, metrics);
  const files = await writeResults(opts.out, NAME, results, chart);

  console.log(`\n### sources${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  for (const s of sections) console.log(s + '\n');
  console.log(perRound + '\n');
  console.log(goalsTable(goals) + '\n');
  console.log(`results: ${files.json}, chart: ${files.svg}`);
  return { goalsMet: goals.every((g) => g.met) };
});
