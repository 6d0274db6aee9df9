/**
 * Checks benchmark: write-triggered checks processed per second by ONE worker process, lifecycle
 * bookkeeping included. With no worker running, N `check` jobs ({items: [{itemId, trigger: 'write'}]}, one per
 * cached, consistent item, Polaris's job options) are put on the "checks" queue; then the worker
 * starts and the time from the first to the last completed job is measured by polling the queue.
 * Polaris's built worker (relay and sweeper off) against a bare BullMQ Worker (same concurrency)
 * doing one SELECT by id + one GET per job, over the same jobs, in alternating rounds.
 *
 *   npm run bench:checks                    # 20,000 jobs, 3 rounds per side
 *   npm run bench:checks -- --smoke         # seconds: proves the harness, measures nothing
 *   npm run bench:checks -- --cluster       # then the same again on a private 3-master Redis Cluster
 *   options: --jobs N --concurrency N --rounds N --out DIR --keep --profile --strict --verbose --cluster
 *
 * --cluster: after the single-node rounds, the same rounds with the cache AND the queues on a 3-master
 * Redis Cluster started for the run (bench/lib/cluster.ts; cache filled key by key): the worker with
 * REDIS_CLUSTER_NODES and QUEUE_REDIS_CLUSTER_NODES, against the bare worker on the same cluster
 * (ioredis Cluster with enableAutoPipelining for its GETs, a Cluster connection for BullMQ).
 * Results in checks-cluster.json: Polaris cluster / bare cluster, and single-node jobs/s / cluster jobs/s.
 *
 * Data: its own database (polaris_bench_checks) and Redis db (12), QUEUE_PREFIX {bench-checks}.
 */
import { join } from 'node:path';
import { CHECK_JOB_OPTIONS, JOBS, type CheckJob } from '@app/consistency';
import { sleep } from '@app/testing';
import { ensureBuilt } from './lib/build';
import { roundsChart } from './lib/chart';
import { CLUSTER, CLUSTER_MASTERS, startCluster } from './lib/cluster';
import { commonOptions, isolation, numberArg, ROOT } from './lib/cli';
import { runBenchmark } from './lib/harness';
import { CACHE_TTL_SECONDS, inconsistencyCounts, openQueues, polarisEnv, profileDirFor, Queues, startWorker } from './lib/polaris';
import { Child } from './lib/processes';
import { fmt, goal, goalsTable, markdownTable, resultsHeader, source, writeResults } from './lib/report';
import { alternate, Side } from './lib/rounds';
import { median, round } from './lib/stats';
import { fillCache, openStores, seedItems } from './lib/stores';

const NAME = 'checks';
const opts = commonOptions({ rounds: 3 });
const JOB_COUNT = numberArg('jobs', opts.smoke ? 300 : 20_000, { min: 2 });
const CONCURRENCY = numberArg('concurrency', 64, { min: 1 }); // Polaris's CHECK_CONCURRENCY default
const ROUND_LIMIT_S = numberArg('round-limit', opts.smoke ? 60 : 300, { min: 1 });
const POLL_MS = 10;
const GOAL_RATIO = 1.5;
const GOAL_CLUSTER_RATIO = 0.75;
const GOAL_CLUSTER_SLOWDOWN = 1.5;

const iso = isolation(NAME, opts.smoke);
const limitS = 240 + (CLUSTER ? 2 : 1) * opts.rounds * 2 * (ROUND_LIMIT_S + 30);

/** Where a round's queues and cache are: the run's Redis db, or the cluster (its Queue handles and the env that points both sides at it). */
interface Target {
  queues: Queues;
  env: Record<string, string>;
}

interface ChecksRound {
  jobs: number;
  /** First to last completed job, seconds. */
  seconds: number;
  jobsPerSec: number;
  /** Process start to first completed job (boot), seconds. */
  bootS: number;
  failed: number;
  /** Polaris: lifecycle transitions logged (none expected); baseline: mismatches it counted (none expected). */
  anomalies: number;
}

runBenchmark(NAME, { limitS, strict: opts.strict }, async ({ say, onCleanup }) => {
  const startedAt = new Date();
  say(
    `jobs=${JOB_COUNT} concurrency=${CONCURRENCY} rounds=${opts.rounds} db=${iso.database} redis=${iso.redisUrl} prefix=${iso.queuePrefix}`,
  );
  ensureBuilt(say);
  const measured = source(); // the code the built dist/ was made from

  const { pg, redis, queues } = await openStores(iso, opts.keep, onCleanup);

  const ids = await seedItems(pg, JOB_COUNT);
  await fillCache(pg, redis, { prefix: iso.cachePrefix, ttlSeconds: CACHE_TTL_SECONDS });
  say(`seeded and cached ${ids.length} items`);
  const profileDir = profileDirFor(opts.out, NAME, opts.profile);

  const single: Target = { queues, env: {} };
  const enqueue = async ({ queues }: Target) => {
    if ((await queues.outstanding()) !== 0) throw new Error('the checks queue is not empty before a round');
    for (let i = 0; i < ids.length; i += 1000) {
      await queues.checks.addBulk(
        ids.slice(i, i + 1000).map((itemId) => ({
          name: JOBS.check,
          data: { items: [{ itemId, trigger: 'write' }] } satisfies CheckJob,
          opts: CHECK_JOB_OPTIONS,
        })),
      );
    }
    const queued = await queues.outstanding();
    if (queued !== ids.length) throw new Error(`queued ${queued} jobs, meant ${ids.length}`);
  };

  const TRANSITIONS = ['detected', 'cleared', 'confirmed', 'persistent', 'resolved'];
  const start = (side: Side, t: Target): Promise<Child> =>
    side === 'polaris'
      ? startWorker(iso, t.queues, {
          profileDir,
          verbose: opts.verbose,
          waitReady: false, // timing starts at the first completed job, whatever boot takes
          env: { ...t.env, SWEEP_ENABLED: 'false', RELAY_ENABLED: 'false', CHECK_CONCURRENCY: String(CONCURRENCY) },
          countLines: Object.fromEntries(TRANSITIONS.map((t) => [t, `"event":"inconsistency.${t}"`])),
        })
      : Promise.resolve(
          Child.start({
            name: 'baseline-checks',
            script: join(ROOT, 'bench/baselines/checks-worker.ts'),
            env: { ...polarisEnv(iso, t.env), CHECK_CONCURRENCY: String(CONCURRENCY), PG_POOL_SIZE: '10' },
            stdinLifeline: true,
            profileDir,
            verbose: opts.verbose,
          }),
        );

  /** Enqueue, start the side's worker, poll until every job is done, stop it. */
  const runRound = async (side: Side, t: Target): Promise<ChecksRound> => {
    const { queues } = t;
    await enqueue(t);
    const spawnedAt = performance.now();
    const child = await start(side, t);
    let firstAt = 0;
    let doneAtFirst = 0;
    let lastAt: number;
    const deadline = spawnedAt + ROUND_LIMIT_S * 1000;
    for (;;) {
      child.assertRunning();
      const left = await queues.outstanding();
      const now = performance.now();
      if (left < ids.length && firstAt === 0) {
        firstAt = now;
        doneAtFirst = ids.length - left;
      }
      if (left === 0) {
        lastAt = now;
        break;
      }
      if (now > deadline)
        throw new Error(`${side}: ${left} of ${ids.length} jobs still outstanding after ${ROUND_LIMIT_S} s:\n${child.tail()}`);
      await sleep(POLL_MS);
    }
    const failed = await queues.failed();
    await child.stop();
    let anomalies: number;
    if (side === 'polaris') {
      anomalies = Object.values(child.counts).reduce((a, b) => a + b, 0) + (await queues.outstanding(queues.confirmations));
    } else {
      const line = child.output().match(/baseline-checks: (\{.*\})/);
      if (!line) throw new Error(`baseline-checks printed no tally:\n${child.tail()}`);
      anomalies = JSON.parse(line[1]).mismatched;
    }
    // The first poll that saw progress may already have seen several jobs done: rate over the rest.
    const seconds = (lastAt - firstAt) / 1000;
    const measured = ids.length - doneAtFirst;
    return {
      jobs: ids.length,
      seconds,
      jobsPerSec: measured > 0 && seconds > 0 ? measured / seconds : NaN,
      bootS: (firstAt - spawnedAt) / 1000,
      failed,
      anomalies,
    };
  };

  const runRounds = (t: Target, sayRound: (msg: string) => void) =>
    alternate<ChecksRound>(
      opts.rounds,
      async (side) => {
        const r = await runRound(side, t);
        if (r.failed) throw new Error(`${side}: ${r.failed} jobs failed`);
        if (r.anomalies) throw new Error(`${side}: ${r.anomalies} mismatches or lifecycle transitions on consistent data`);
        if (!Number.isFinite(r.jobsPerSec)) throw new Error(`${side}: every job finished before the first poll: use more --jobs`);
        return r;
      },
      sayRound,
      (r) => `${fmt(r.jobsPerSec)} jobs/s (${fmt(r.jobs)} jobs in ${r.seconds.toFixed(2)} s, boot ${r.bootS.toFixed(2)} s)`,
    );
  const rounds = await runRounds(single, say);
  const records = await inconsistencyCounts(pg);
  if (Object.keys(records).length) throw new Error(`lifecycle records on consistent data: ${JSON.stringify(records)}`);

  // ---- summary ----
  const sideOf = (rounds: { side: Side; result: ChecksRound }[], s: Side) => {
    const rs = rounds.filter((r) => r.side === s).map((r) => r.result);
    return {
      jobsPerSec: round(median(rs.map((r) => r.jobsPerSec)), 4),
      secondsMedian: round(median(rs.map((r) => r.seconds))),
      bootSMedian: round(median(rs.map((r) => r.bootS))),
      jobs: rs.reduce((a, r) => a + r.jobs, 0),
    };
  };
  const side = (s: Side) => sideOf(rounds, s);
  const polaris = side('polaris');
  const baseline = side('baseline');
  const ratio = round(polaris.jobsPerSec / baseline.jobsPerSec);
  const goals = [goal('jobs/s ratio (Polaris / baseline, medians)', '>=', GOAL_RATIO, ratio)];
  const table = markdownTable(
    ['side', 'jobs/s (median)', 'first→last s (median)', 'boot s (median)', 'jobs', 'ratio'],
    [
      ['Polaris worker', fmt(polaris.jobsPerSec), fmt(polaris.secondsMedian), fmt(polaris.bootSMedian), fmt(polaris.jobs), fmt(ratio)],
      [
        'bare BullMQ Worker (SELECT + GET per job)',
        fmt(baseline.jobsPerSec),
        fmt(baseline.secondsMedian),
        fmt(baseline.bootSMedian),
        fmt(baseline.jobs),
        '1',
      ],
    ],
  );
  const perRound = markdownTable(
    ['round', 'side', 'jobs/s', 'first→last s', 'boot s'],
    rounds.map((r) => [r.round, r.side, fmt(r.result.jobsPerSec), r.result.seconds.toFixed(2), r.result.bootS.toFixed(2)]),
    ['r', 'l', 'r', 'r', 'r'],
  );

  const results = {
    ...resultsHeader(NAME, opts.smoke, startedAt, measured),
    config: {
      jobs: JOB_COUNT,
      concurrency: CONCURRENCY,
      rounds: opts.rounds,
      pollMs: POLL_MS,
      job: { queue: 'checks', name: JOBS.check, data: "{items: [{itemId, trigger: 'write'}]}", opts: CHECK_JOB_OPTIONS },
      order: 'alternating, first side swapped every round (P B, B P, …)',
      database: iso.database,
      redis: iso.redisUrl,
      queuePrefix: iso.queuePrefix,
    },
    polaris: {
      what: `the built worker (node dist/apps/worker/main.js), SWEEP_ENABLED=false, RELAY_ENABLED=false, CHECK_CONCURRENCY=${CONCURRENCY}, NODE_ENV=production, defaults otherwise`,
      lifecycleRecordsAfterRun: records,
    },
    baseline: {
      what: `bench/baselines/checks-worker.ts: one BullMQ Worker on the same queue, concurrency ${CONCURRENCY}, pg pool 10, ioredis (auto-pipelining): per job one SELECT by id and one GET (concurrently), JSON.parse, id + version compare`,
    },
    summary: { polaris, baseline, ratio },
    goals,
    rounds: rounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
  };
  const chart = roundsChart(
    'checks: write-triggered checks, one worker',
    [
      `Polaris ${fmt(polaris.jobsPerSec)} jobs/s vs baseline ${fmt(baseline.jobsPerSec)}: ratio ${fmt(ratio)}`,
      `${JOB_COUNT.toLocaleString('en-US')} queued jobs per round, concurrency ${CONCURRENCY}`,
      `${opts.rounds} alternating rounds per side; dashed: medians`,
    ],
    rounds.flatMap((r) => [
      { round: r.round, side: r.side, metric: 'throughput (first→last job)', value: r.result.jobsPerSec },
      { round: r.round, side: r.side, metric: 'process start → first job done', value: r.result.bootS },
    ]),
    [
      { name: 'throughput (first→last job)', unit: 'jobs/s' },
      { name: 'process start → first job done', unit: 's' },
    ],
  );
  const files = await writeResults(opts.out, NAME, results, chart);

  console.log(`\n### checks: write-triggered checks, one worker${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(table + '\n');
  console.log(perRound + '\n');
  console.log(goalsTable(goals) + '\n');
  console.log(`results: ${files.json}, chart: ${files.svg}`);
  if (!CLUSTER) return { goalsMet: goals.every((g) => g.met) };

  // ---- the cluster variant: cache and queues on the cluster, the same rounds ----
  const clusterStartedAt = new Date();
  const cl = await startCluster(onCleanup, say);
  const seeds = cl.cluster.seeds();
  await fillCache(pg, cl.client, { prefix: iso.cachePrefix, ttlSeconds: CACHE_TTL_SECONDS });
  const queueClient = cl.cluster.client({ redisOptions: { maxRetriesPerRequest: null } });
  const cqueues = openQueues(iso, queueClient);
  onCleanup(async () => {
    await cqueues.close();
    queueClient.disconnect();
  });
  const onCluster: Target = {
    queues: cqueues,
    env: { REDIS_CLUSTER_NODES: seeds, QUEUE_REDIS_CLUSTER_NODES: seeds, QUEUE_REDIS_URL: '' }, // '' counts as unset
  };
  const crounds = await runRounds(onCluster, (msg) => say(`cluster ${msg}`));
  const crecords = await inconsistencyCounts(pg);
  if (Object.keys(crecords).length) throw new Error(`cluster: lifecycle records on consistent data: ${JSON.stringify(crecords)}`);
  const cpolaris = sideOf(crounds, 'polaris');
  const cbaseline = sideOf(crounds, 'baseline');
  const cratio = round(cpolaris.jobsPerSec / cbaseline.jobsPerSec);
  /** How much slower Polaris is on the cluster than on the single node of the same run (jobs/s medians; > 1: slower). */
  const slowdown = round(polaris.jobsPerSec / cpolaris.jobsPerSec);
  const cgoals = [
    goal('Polaris on the single node / on the cluster (jobs/s, medians)', '<=', GOAL_CLUSTER_SLOWDOWN, slowdown),
    goal('jobs/s ratio on the cluster (Polaris / bare cluster worker, medians)', '>=', GOAL_CLUSTER_RATIO, cratio),
  ];
  const ctable = markdownTable(
    ['side', 'jobs/s (median)', 'first→last s (median)', 'boot s (median)', 'jobs', 'ratio'],
    [
      [
        'Polaris worker, single node (above)',
        fmt(polaris.jobsPerSec),
        fmt(polaris.secondsMedian),
        fmt(polaris.bootSMedian),
        fmt(polaris.jobs),
        '',
      ],
      [
        `Polaris worker, ${CLUSTER_MASTERS}-master cluster`,
        fmt(cpolaris.jobsPerSec),
        fmt(cpolaris.secondsMedian),
        fmt(cpolaris.bootSMedian),
        fmt(cpolaris.jobs),
        fmt(cratio),
      ],
      [
        'bare BullMQ Worker on the cluster (SELECT + GET per job, auto-pipelined per master)',
        fmt(cbaseline.jobsPerSec),
        fmt(cbaseline.secondsMedian),
        fmt(cbaseline.bootSMedian),
        fmt(cbaseline.jobs),
        '1',
      ],
    ],
  );
  const cresults = {
    ...resultsHeader(`${NAME}-cluster`, opts.smoke, clusterStartedAt, measured),
    config: { ...results.config, cluster: { masters: CLUSTER_MASTERS, replicasPerMaster: 0, seeds, queues: 'on the cluster' } },
    polaris: {
      what: `${results.polaris.what}; REDIS_CLUSTER_NODES and QUEUE_REDIS_CLUSTER_NODES=<the ${CLUSTER_MASTERS} masters>`,
      lifecycleRecordsAfterRun: crecords,
    },
    baseline: {
      what: `${results.baseline.what}; REDIS_CLUSTER_NODES / QUEUE_REDIS_CLUSTER_NODES: ioredis Cluster with enableAutoPipelining for the GETs, an ioredis Cluster connection for BullMQ`,
    },
    singleNode: { polaris, baseline, ratio, results: files.json },
    summary: { polaris: cpolaris, baseline: cbaseline, ratio: cratio, singleNodeOverCluster: slowdown },
    goals: cgoals,
    rounds: crounds.map((r) => ({ round: r.round, side: r.side, slot: r.slot, startedAt: r.startedAt, ...r.result })),
  };
  const cchart = roundsChart(
    `checks on a ${CLUSTER_MASTERS}-master Redis Cluster: write-triggered checks, one worker`,
    [
      `Polaris ${fmt(cpolaris.jobsPerSec)} jobs/s vs bare cluster worker ${fmt(cbaseline.jobsPerSec)}: ratio ${fmt(cratio)}`,
      `single node ${fmt(polaris.jobsPerSec)} jobs/s: ${fmt(slowdown)}× the cluster; ${JOB_COUNT.toLocaleString('en-US')} jobs per round; dashed: medians`,
    ],
    crounds.flatMap((r) => [
      { round: r.round, side: r.side, metric: 'throughput (first→last job)', value: r.result.jobsPerSec },
      { round: r.round, side: r.side, metric: 'process start → first job done', value: r.result.bootS },
    ]),
    [
      { name: 'throughput (first→last job)', unit: 'jobs/s' },
      { name: 'process start → first job done', unit: 's' },
    ],
  );
  const cfiles = await writeResults(opts.out, `${NAME}-cluster`, cresults, cchart);
  console.log(`\n### checks on a ${CLUSTER_MASTERS}-master Redis Cluster${opts.smoke ? ' — SMOKE RUN, not a measurement' : ''}\n`);
  console.log(ctable + '\n');
  console.log(goalsTable(cgoals) + '\n');
  console.log(`results: ${cfiles.json}, chart: ${cfiles.svg}`);
  return { goalsMet: [...goals, ...cgoals].every((g) => g.met) };
});
