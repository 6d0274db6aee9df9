/**
 * Audit benchmark: the one-shot audit (`node dist/apps/worker/main.js audit`) against one full pass of
 * the sweeper, on the same cached table, in alternating rounds. The audit reads with the sweeper's
 * batched path (keyset pages, one MGET each, then a SCAN for orphan keys) and should reach the same
 * throughput (issue 13).
 *
 *   npm run bench:audit                     # 1,000,000 items (100 stale entries, 10 orphan keys), 3 rounds per side
 *   npm run bench:audit -- --smoke          # seconds: proves the harness, measures nothing
 *   options: --items N --stale N --orphans N --rounds N --round-limit S --out DIR --keep --profile --strict --verbose
 *
 * Sweeper: the built worker's pass, exactly as bench:sweep runs it (bench/lib/item-sweep.ts); rows/s =
 * items / its polaris_sweep_last_pass_duration_seconds (rows phase + orphan search).
 *
 * Audit: the built CLI `main.js audit --source items --json FILE` as a child process, stderr a pipe
 * (plain progress lines), SWEEP_BATCH_SIZE as the sweeper's. rows/s = sources[0].rows /
 * sources[0].seconds (rows phase + orphan search: neither the boot nor the re-check after the grace
 * period); its wall time (spawn to exit) is recorded too. Every round must exit 1 and report exactly
 * the injected stale keys (kind stale) and orphan keys (kind orphan), or the run fails.
 *
 * Data: its own database (polaris_bench_audit) and Redis db (8), QUEUE_PREFIX {bench-audit}.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKER_MAIN, ensureBuilt } from './lib/build';
import { roundsChart } from './lib/chart';
import { commonOptions, isolation, numberArg } from './lib/cli';
import { runBenchmark } from './lib/harness';
import { injectMismatches, Injected, sweeperPass } from './lib/item-sweep';
import { CACHE_TTL_SECONDS, polarisEnv, profileDirFor } from './lib/polaris';
import { Child } from './lib/processes';
import { fmt, goal, goalsTable, markdownTable, resultsHeader, source, writeResults } from './lib/report';
import { alternate, RoundOf } from './lib/rounds';
import { median, round } from './lib/stats';
import { fillCache, openStores, seedItems } from './lib/stores';

const NAME = 'audit';
const opts = commonOptions({ rounds: 3 });
const ITEMS = numberArg('items', opts.smoke ? 2_000 : 1_000_000, { min: 10 });
const STALE = numberArg('stale', opts.smoke ? 5 : 100);
const ORPHANS = numberArg('orphans', opts.smoke ? 2 : 10);
const BATCH = 1000; // SWEEP_BATCH_SIZE's default: the page size of both sides
const GOAL_RATIO = 0.9; // "the same throughput", with room for a noisy machine
const ROUND_LIMIT_S = numberArg('round-limit', opts.smoke ? 60 : 180, { min: 1 });

const SIDES = ['audit', 'sweeper'] as const;
type AuditSide = (typeof SIDES)[number];

const iso = isolation(NAME, opts.smoke);
const limitS = 600 + opts.rounds * 2 * (ROUND_LIMIT_S + 30);

interface Round {
  /** Rows per second: rows / seconds. */
  rowsPerSec: number;
  /** Sweeper: the pass (its own gauge). Audit: sources[0].seconds (rows phase + orphan search). */
  seconds: number;
  rows: number;
  /** Sweeper: polaris_sweep_mismatches_total. Audit: inconsistencies reported after the re-check. */
  mismatches: number;
  /**
   * The rows phase alone. Sweeper: from the /metrics polls (± 0.1 s). Audit: from the arrival of its
   * phase lines on stderr (± a pipe read). NaN when not seen (a tiny smoke pass).
   */
  rowsPhaseS: number;
  /** Audit only: spawn to exit (boot, rows, orphan search, grace wait and re-check, shutdown). */
  wallS?: number;
  /** Audit only: spawn to its first phase line (Nest boot, connections, the row estimate). */
  bootS?: number;
  /** Audit only: the report's own total (rows, orphan search, grace wait and re-check). */
  reportS?: number;
  /** Audit only: what the report says of the source. */
  report?: AuditSourceReport;
}

/** The fields of the audit's JSON report that the benchmark reads (see libs/consistency/src/audit/audit-report.ts). */
interface AuditSourceReport {
  source: string;
  rows: number;
  checked: number;
  consistent: number;
  miss: number;
  inconsistent: Record<string, number>;
  settled: number;
  uncomparable: number;
  keysScanned: number | null;
  seconds: number;
}
interface AuditReport {
  seconds: number;
  options: { gracePeriodMs: number };
  sources: AuditSourceReport[];
  inconsistencies: { source: string; key: string; kind: string }[];
}

/** Fails unless the audit found exactly what was injected, as the kinds it must report, and nothing else. */
function verifyAudit(report: AuditReport, injected: Injected, exitCode: number | null): void {
  const problems: string[] = [];
  if (exitCode !== 1) problems.push(`exit status ${exitCode}, expected 1 (inconsistencies remain)`);
  const [s, ...others] = report.sources;
  if (!s || others.length || s.source !== 'items')
    problems.push(`sources ${report.sources.map((x) => x.source).join(', ')}, expected items alone`);
  if (s) {
    const expected = {
      rows: ITEMS,
      checked: ITEMS + ORPHANS,
      consistent: ITEMS - STALE,
      miss: 0,
      settled: 0,
      uncomparable: 0,
      keysScanned: ITEMS + ORPHANS,
    };
    for (const [k, v] of Object.entries(expected))
      if (s[k as keyof typeof expected] !== v) problems.push(`${k} ${s[k as keyof typeof expected]}, expected ${v}`);
    for (const [kind, n] of Object.entries(s.inconsistent)) {
      const want = kind === 'stale' ? STALE : kind === 'orphan' ? ORPHANS : 0;
      if (n !== want) problems.push(`${n} ${kind}, expected ${want}`);
    }
  }
  const want = new Map<string, string>([
    ...injected.staleIds.map((id): [string, string] => [iso.cachePrefix + id, 'stale']),
    ...injected.orphanKeys.map((key): [string, string] => [key, 'orphan']),
  ]);
  const seen = new Set<string>();
  for (const f of report.inconsistencies) {
    if (f.source !== 'items' || want.get(f.key) !== f.kind || seen.has(f.key)) problems.push(`reported ${f.source} ${f.key} as ${f.kind}`);
    seen.add(f.key);
  }
  const missed = [...want.keys()].filter((k) => !seen.has(k));
  if (missed.length) problems.push(`did not report ${missed.length} injected keys, e.g. ${missed.slice(0, 3).join(', ')}`);
  if (problems.length) throw new Error(`the audit's result is wrong: ${problems.slice(0, 20).join('; ')}`);
}

runBenchmark(NAME, { limitS, strict: opts.strict }, async ({ say, onCleanup }) => {
  const startedAt = new Date();
  say(`items=${ITEMS} stale=${STALE} orphans=${ORPHANS} rounds=${opts.rounds} db=${iso.database} redis=${iso.redisUrl}`);
  ensureBuilt(say);
  const measured = source();

  const { pg, redis, queues } = await openStores(iso, opts.keep, onCleanup);
  const reports = mkdtempSync(join(tmpdir(), 'polaris-bench-audit-'));
  onCleanup(() => rmSync(reports, { recursive: true, force: true }));

  const t = performance.now();
  await seedItems(pg, ITEMS);
  await fillCache(pg, redis, { prefix: iso.cachePrefix, ttlSeconds: CACHE_TTL_SECONDS });
  const injected = await injectMismatches(pg, [redis], { stale: STALE, orphans: ORPHANS, prefix: iso.cachePrefix });
  await pg.query('VACUUM ANALYZE items');
  say(
    `seeded and cached ${fmt(ITEMS)} items, ${STALE} made stale, ${ORPHANS} orphan keys, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const profileDir = profileDirFor(opts.out, NAME, opts.profile);

  let auditRuns = 0;
  /** One run of the built audit CLI, timed from outside (wall, phases) and from its own report. */
  const auditPass = async (): Promise<Round> => {
    const file = join(reports, `report-${++auditRuns}.json`);
    const spawned = performance.now();
    const child = Child.start({
      name: 'polaris-audit',
      script: WORKER_MAIN,
      args: ['audit', '--source', 'items', '--json', file],
      env: polarisEnv(iso, { SWEEP_BATCH_SIZE: String(BATCH) }),
      profileDir,
      verbose: opts.verbose,
    });
    // Progress lines (stderr is a pipe): one as each phase begins, e.g. "… | items: searching for orphan keys".
    const phaseAt: { rows?: number; keys?: number; grace?: number } = {};
    let partial = '';
    child.proc.stderr!.on('data', (d: Buffer) => {
      const at = performance.now();
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (phaseAt.rows === undefined && line.includes('| items: comparing rows')) phaseAt.rows = at;
        if (phaseAt.keys === undefined && line.includes('| items: searching for orphan keys')) phaseAt.keys = at;
        if (phaseAt.grace === undefined && line.includes(': re-checking mismatches')) phaseAt.grace = at;
      }
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void child.stop();
    }, ROUND_LIMIT_S * 1000);
    const { code, signal } = await child.exited;
    clearTimeout(timer);
    const wallS = (performance.now() - spawned) / 1000;
    if (timedOut) throw new Error(`the audit did not finish within ${ROUND_LIMIT_S} s:\n${child.tail()}`);
    let report: AuditReport;
    try {
      report = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`the audit (exit ${code ?? signal}) wrote no readable report (${(err as Error).message}):\n${child.tail()}`, {
        cause: err,
      });
    }
    try {
      verifyAudit(report, injected, code);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- audit output ---\n${child.tail()}`, { cause: err });
    }
    const s = report.sources[0];
    const { rows: rowsAt, keys: keysAt } = phaseAt;
    return {
      rowsPerSec: s.rows / s.seconds,
      seconds: s.seconds,
      rows: s.rows,
      mismatches: report.inconsistencies.length,
      rowsPhaseS: rowsAt !== undefined && keysAt !== undefined ? (keysAt - rowsAt) / 1000 : NaN,
      wallS,
      bootS: rowsAt !== undefined ? (rowsAt - spawned) / 1000 : NaN,
      reportS: report.seconds,
      report: s,
    };
  };

  const sweeperRound = async (): Promise<Round> => {
    const r = await sweeperPass(
      iso,
      { pg, redis, queues },
      { items: ITEMS, orphans: ORPHANS, batch: BATCH, timeoutMs: ROUND_LIMIT_S * 1000, profileDir, verbose: opts.verbose },
    );
    if (r.mismatches !== STALE + ORPHANS) throw new Error(`sweeper: found ${r.mismatches} mismatches, expected ${STALE + ORPHANS}`);
    return { rowsPerSec: r.itemsPerSec, seconds: r.seconds, rows: ITEMS, mismatches: r.mismatches, rowsPhaseS: r.rowsPhaseS ?? NaN };
  };

  const rounds: RoundOf<Round, AuditSide>[] = await alternate<Round, AuditSide>(
    opts.rounds,
    (side) => (side === 'audit' ? auditPass() : sweeperRound()),
    say,
    (r) =>
      `${fmt(r.rowsPerSec)} rows/s (${r.seconds.toFixed(2)} s, rows phase ${r.rowsPhaseS.toFixed(2)} s` +
      `${r.wallS === undefined ? '' : `; wall ${r.wallS.toFixed(2)} s, boot ${r.bootS!.toFixed(2)} s`}, ${r.mismatches} found)`,
    SIDES,
  );

  // ---- summary ----
  const of = (s: AuditSide) => rounds.filter((r) => r.side === s).map((r) => r.result);
  const med = (rs: Round[], f: (r: Round) => number | undefined, digits = 3) =>
    round(median(rs.map((r) => f(r) ?? NaN).filter(Number.isFinite)), digits);
  const sideSummary = (s: AuditSide) => {
    const rs = of(s);
    return {
      rowsPerSec: med(rs, (r) => r.rowsPerSec, 4),
      seconds: med(rs, (r) => r.seconds),
      rowsPhaseS: med(rs, (r) => r.rowsPhaseS),
      /** The orphan search: seconds − rows phase. */
      keysPhaseS: med(rs, (r) => r.seconds - r.rowsPhaseS),
    };
  };
  const audit = {
    ...sideSummary('audit'),
    wallS: med(of('audit'), (r) => r.wallS),
    bootS: med(of('audit'), (r) => r.bootS),
  };
  const sweeper = sideSummary('sweeper');
  const ratio = round(audit.rowsPerSec / sweeper.rowsPerSec);
  /** Diagnostics, not goals: each phase's time, sweeper / audit (above 1: the audit is faster). */
  const rowsPhaseRatio = round(sweeper.rowsPhaseS / audit.rowsPhaseS);
  const keysPhaseRatio = round(sweeper.keysPhaseS / audit.keysPhaseS);
  const goals = [goal('rows/s ratio (audit rows + orphan search / sweeper pass, medians)', '>=', GOAL_RATIO, ratio)];

  const table = markdownTable(
    ['side', 'rows', 'rows/s (median)', 'seconds (median)', 'rows phase s', 'orphan search s', 'wall s (boot s)', 'ratio'],
    [
      [
        'audit CLI (`main.js audit --source items`)',
        fmt(ITEMS),
        fmt(audit.rowsPerSec),
        fmt(audit.seconds),
        fmt(audit.rowsPhaseS),
        fmt(audit.keysPhaseS),
        `${fmt(audit.wallS)} (${fmt(audit.bootS)})`,
        fmt(ratio),
      ],
      [
        'sweeper pass (built worker)',
        fmt(ITEMS),
        fmt(sweeper.rowsPerSec),
        fmt(sweeper.seconds),
        fmt(sweeper.rowsPhaseS),
        fmt(sweeper.keysPhaseS),
        '',
        '1',
      ],
    ],
  );
  const perRound = markdownTable(
    ['round', 'side', 'rows/s', 'seconds', 'rows phase s', 'wall s', 'found'],
    rounds.map((r) => [
      r.round,
      r.side,
      fmt(r.result.rowsPerSec),
      r.result.seconds.toFixed(2),
      r.result.rowsPhaseS.toFixed(2),
      r.result.wallS?.toFixed(2) ?? '',
      r.result.mismatches,
    ]),
    ['r', 'l', 'r', 'r', 'r', 'r', 'r'],
  );
  const results = {
    ...resultsHeader(NAME, opts.smoke, startedAt, measured),
    config: {
      items: ITEMS,
      stale: STALE,
      orphans: ORPHANS,
      batch: BATCH,
      rounds: opts.rounds,
      order: 'alternating, first side swapped every round (A S, S A, …)',
      database: iso.database,
      redis: iso.redisUrl,
      queuePrefix: iso.queuePrefix,
    },
    audit: {
      what: `the built CLI: node dist/apps/worker/main.js audit --source items --json FILE, SWEEP_BATCH_SIZE=${BATCH}, stderr a pipe; rows/s = sources[0].rows / sources[0].seconds (rows phase + orphan search, without boot or the grace re-check); it must exit 1 reporting exactly the injected stale and orphan keys`,
    },
    sweeper: {
      what: `the built worker (node dist/apps/worker/main.js), RELAY_ENABLED=false, SWEEP_INTERVAL_MS=3000, SWEEP_BATCH_SIZE=${BATCH}, one tick per pass (as bench:sweep); rows/s = items / polaris_sweep_last_pass_duration_seconds; it must count the ${STALE + ORPHANS} injected mismatches`,
    },
    summary: { audit, sweeper, ratio, rowsPhaseRatio, keysPhaseRatio },
    goals,
    rounds: rounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
  };
  const chart = roundsChart(
    'audit: one pass of the audit CLI against one sweeper pass',
    [
      `audit ${fmt(audit.rowsPerSec)} rows/s (${fmt(audit.seconds)} s, wall ${fmt(audit.wallS)} s) vs sweeper ${fmt(sweeper.rowsPerSec)} (${fmt(sweeper.seconds)} s): ratio ${fmt(ratio)}`,
      `${fmt(ITEMS)} items; every audit reported the ${STALE} stale and ${ORPHANS} orphan keys injected; dashed: medians`,
    ],
    rounds.flatMap((r) => [
      { round: r.round, side: r.side, metric: 'throughput', value: r.result.rowsPerSec },
      { round: r.round, side: r.side, metric: 'rows + orphan search', value: r.result.seconds },
    ]),
    [
      { name: 'throughput', unit: 'rows/s' },
      { name: 'rows + orphan search', unit: 's' },
    ],
    SIDES,
  );
  const files = await writeResults(opts.out, NAME, results, chart);

  console.log(`\n### audit: the audit CLI against a sweeper pass${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(table + '\n');
  console.log(perRound + '\n');
  console.log(goalsTable(goals) + '\n');
  console.log(`results: ${files.json}, chart: ${files.svg}`);
  return { goalsMet: goals.every((g) => g.met) };
});
