/**
 * Part 2 of the sources benchmark: the application's one-row UPDATEs on bench.accounts, with
 * Polaris's capture trigger and the built worker's relay (as in production), against the same table
 * with the trigger disabled and no worker. Also a diagnostic variant: the same trigger function
 * without its pg_notify (the relay then finds changes by polling).
 */
import type Redis from 'ioredis';
import type { Client } from 'pg';
import { QUEUES } from '@app/consistency';
import { freePort } from '@app/testing';
import type { Isolation } from './cli';
import { counterSum, Queues, startWorker } from './polaris';
import { Child, httpRequest, waitUntil } from './processes';
import { CpuSampler, CpuWindow } from './capture-cpu';
import { PgbenchResult, runNodeLoad, runPgbench } from './capture-load';
import { resetPolaris } from './sources-sweep';
import { TABLE, WATCH_SOURCE } from './sources-setup';
import { sampleWaits } from './stores';

export const POLARIS_TRIGGER = `polaris_capture_${WATCH_SOURCE}`;
export const VARIANT_TRIGGER = 'bench_capture_without_notify';
export const VARIANT_FUNCTION = 'bench_capture_without_notify';

export type CaptureMode = 'polaris' | 'bare' | 'variant';

export interface CaptureRound extends PgbenchResult {
  mode: CaptureMode;
  /** Rows the trigger wrote into source_changes during the round (its sequence moved by this much). */
  changesCaptured: number;
  /** Worker sides: changes not relayed yet when the load stopped, and seconds until none were left. */
  backlogAtEnd?: number;
  relayDrainS?: number;
  /** Worker sides: seconds after the load until the queues were empty too (post-change checks run 2.5 s after a change). */
  catchUpS?: number;
  /** Worker sides: from its /metrics at the end. */
  relayed?: number;
  /**
   * Worker sides: the relay's batches of the last 2.5 s of the load, from their post-change check jobs
   * still delayed when it stopped (job ids `source-changes-<first change id>-<last change id>-2500-<chunk>`):
   * how many, and the mean number of changes each carried.
   */
  relayBatchesSampled?: number;
  changesPerRelayBatch?: number;
  checks?: number;
  /** CPU over the load alone, and (worker sides) over the load plus the catch-up after it. */
  cpuDuringLoad: CpuWindow;
  cpuWithCatchUp?: CpuWindow;
  /**
   * CPU of this database's PostgreSQL backends, PostgreSQL's shared processes and the worker, per
   * write, over the load plus (worker sides) its catch-up: everything the writes cost but the load generator.
   */
  cpuPerWriteUs: number;
  /** Worker sides: the worker's CPU per captured change. */
  workerCpuPerChangeUs?: number;
  /** Busy CPU of the whole machine per write (every process, the load generator and other tenants included). */
  machineCpuPerWriteUs: number;
  pgWaits: { samples: number; waits: Record<string, number> };
}

/**
 * The diagnostic variant: Polaris's trigger function, as installed, without its PERFORM pg_notify(…),
 * on a trigger of its own (disabled). False, and nothing installed, when the function does not notify
 * (the variant would be the same trigger).
 */
export async function installVariant(pg: Client): Promise<boolean> {
  const { rows: fn } = await pg.query<{ def: string }>(
    `SELECT pg_get_functiondef(tgfoid) AS def FROM pg_trigger WHERE tgrelid = '${TABLE}'::regclass AND tgname = $1`,
    [POLARIS_TRIGGER],
  );
  if (!fn[0]) throw new Error(`no ${POLARIS_TRIGGER} on ${TABLE}: did migrate install it?`);
  const notify = /\n[ \t]*PERFORM pg_notify\([^;]*\);/g;
  const found = (fn[0].def.match(notify) ?? []).length;
  if (found === 0 && !/pg_notify/.test(fn[0].def)) return false;
  if (found !== 1) throw new Error(`the capture function notifies, but not in one PERFORM pg_notify(…) statement:\n${fn[0].def}`);
  const def = fn[0].def.replace(notify, '').replace(/FUNCTION (\S+\.)?polaris_capture_\w+\(/, `FUNCTION $1${VARIANT_FUNCTION}(`);
  await pg.query(def);
  const { rows: tg } = await pg.query<{ def: string }>(
    `SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgrelid = '${TABLE}'::regclass AND tgname = $1`,
    [POLARIS_TRIGGER],
  );
  if (!tg[0]) throw new Error(`no ${POLARIS_TRIGGER} on ${TABLE}: did migrate install it?`);
  await pg.query(`DROP TRIGGER IF EXISTS ${VARIANT_TRIGGER} ON ${TABLE}`);
  await pg.query(
    tg[0].def
      .replace(`TRIGGER ${POLARIS_TRIGGER} `, `TRIGGER ${VARIANT_TRIGGER} `)
      .replace(/FUNCTION (\S+\.)?polaris_capture_\w+\(/, `FUNCTION ${VARIANT_FUNCTION}(`),
  );
  await pg.query(`ALTER TABLE ${TABLE} DISABLE TRIGGER ${VARIANT_TRIGGER}`);
  return true;
}

/** Enables the trigger of `mode` (none for bare) and disables the others; checks pg_trigger says so. */
export async function setCapture(pg: Client, mode: CaptureMode, variantInstalled: boolean): Promise<void> {
  await pg.query(`ALTER TABLE ${TABLE} ${mode === 'polaris' ? 'ENABLE' : 'DISABLE'} TRIGGER ${POLARIS_TRIGGER}`);
  if (variantInstalled) await pg.query(`ALTER TABLE ${TABLE} ${mode === 'variant' ? 'ENABLE' : 'DISABLE'} TRIGGER ${VARIANT_TRIGGER}`);
  const { rows } = await pg.query<{ name: string; enabled: string }>(
    `SELECT tgname AS name, tgenabled AS enabled FROM pg_trigger WHERE tgrelid = '${TABLE}'::regclass AND NOT tgisinternal`,
  );
  const on = rows.filter((r) => r.enabled !== 'D').map((r) => r.name);
  const want = mode === 'polaris' ? [POLARIS_TRIGGER] : mode === 'variant' ? [VARIANT_TRIGGER] : [];
  if (on.join() !== want.join()) throw new Error(`triggers enabled on ${TABLE}: [${on}], wanted [${want}]`);
}

export interface CaptureContext {
  iso: Isolation;
  pg: Client;
  redis: Redis;
  queues: Queues;
  declarationFile: string;
  script: string | null; // null: no pgbench, node-pg load instead
  rows: number;
  clients: number;
  threads: number;
  drainLimitS: number;
  variantInstalled: boolean;
  profileDir?: string;
  verbose?: boolean;
}

/** The change log's sequence (relayed changes are deleted): the last id handed out, 0 before the first. */
async function lastChangeId(pg: Client): Promise<number> {
  const seq = (await pg.query<{ s: string }>(`SELECT pg_get_serial_sequence('source_changes', 'id') AS s`)).rows[0].s;
  const { rows } = await pg.query<{ n: string }>(`SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS n FROM ${seq}`);
  return Number(rows[0].n);
}
/** The relay batches whose post-change checks (POST_WRITE_CHECK_DELAY_MS, 2.5 s by default) are still delayed. */
async function recentRelayBatches(c: CaptureContext): Promise<{ batches: number; meanChanges: number }> {
  const ids = await c.redis.zrange(`${c.iso.queuePrefix}:${QUEUES.checks}:delayed`, 0, -1);
  const batches = new Map<string, number>();
  for (const id of ids) {
    const m = /^source-changes-(\d+)-(\d+)-2500-\d+$/.exec(id);
    if (m) batches.set(`${m[1]}-${m[2]}`, Number(m[2]) - Number(m[1]) + 1);
  }
  const changes = [...batches.values()].reduce((a, b) => a + b, 0);
  return { batches: batches.size, meanChanges: batches.size ? changes / batches.size : NaN };
}
const backlog = async (pg: Client) => (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM source_changes`)).rows[0].n;

const attributed = (w: CpuWindow) => w.cpuS.pgBackends + w.cpuS.pgShared + (w.cpuS.worker ?? 0);

/** The load alone: pgbench (or node-pg) for `durationS`, its CPU followed as `load`. */
function load(c: CaptureContext, sampler: CpuSampler, durationS: number): Promise<PgbenchResult> {
  if (c.script === null) return runNodeLoad({ url: c.iso.postgresUrl, rows: c.rows, clients: c.clients, durationS });
  return runPgbench({
    url: c.iso.postgresUrl,
    script: c.script,
    rows: c.rows,
    clients: c.clients,
    threads: c.threads,
    durationS,
    onStart: (pid) => sampler.follow(pid, 'load'),
  });
}

/**
 * One round. Worker sides (polaris, variant): the worker (relay on, sweeper off) is started before
 * the load and stopped once it has caught up (change log empty, no check queued or delayed); its
 * CPU and the database's until then are the round's. Bare: trigger off, no worker.
 */
export async function captureRound(c: CaptureContext, mode: CaptureMode, durationS: number): Promise<CaptureRound> {
  await setCapture(c.pg, mode, c.variantInstalled);
  await resetPolaris(c.pg, c.redis, c.iso, c.queues);
  await c.pg.query('CHECKPOINT'); // each round starts with no dirty buffers to write back
  let worker: Child | undefined;
  let port = 0;
  if (mode !== 'bare') {
    port = await freePort();
    worker = await startWorker(c.iso, c.queues, {
      profileDir: c.profileDir,
      verbose: c.verbose,
      env: { WORKER_HTTP_PORT: String(port), POLARIS_SOURCES: c.declarationFile, RELAY_ENABLED: 'true', SWEEP_ENABLED: 'false' },
    });
  }
  try {
    const before = await lastChangeId(c.pg);
    const waits = await sampleWaits(c.iso, 50);
    const sampler = new CpuSampler(c.iso.database, new Map(worker ? [[worker.proc.pid!, 'worker']] : []));
    const result = await load(c, sampler, durationS);
    const cpuDuringLoad = sampler.read();
    const pgWaits = await waits.stop();
    const round: Omit<CaptureRound, 'cpuPerWriteUs' | 'machineCpuPerWriteUs' | 'changesCaptured'> = {
      ...result,
      mode,
      cpuDuringLoad,
      pgWaits,
    };
    let window = cpuDuringLoad;
    if (worker) {
      const sample = await recentRelayBatches(c);
      Object.assign(round, { relayBatchesSampled: sample.batches, changesPerRelayBatch: sample.meanChanges });
      round.backlogAtEnd = await backlog(c.pg);
      const ended = performance.now();
      await waitUntil('the relay to drain source_changes', async () => (await backlog(c.pg)) === 0, {
        timeoutMs: c.drainLimitS * 1000,
        intervalMs: 50,
        watch: [worker],
      });
      round.relayDrainS = (performance.now() - ended) / 1000;
      await waitUntil(
        'the worker to run every check',
        async () => (await c.queues.outstanding(c.queues.checks)) === 0 && (await c.queues.outstanding(c.queues.confirmations)) === 0,
        { timeoutMs: c.drainLimitS * 1000, intervalMs: 100, watch: [worker] },
      );
      round.catchUpS = (performance.now() - ended) / 1000;
      window = sampler.stop();
      round.cpuWithCatchUp = window;
      const m = (await httpRequest(`http://127.0.0.1:${port}/metrics`)).body;
      round.relayed = counterSum(m, 'polaris_changes_relayed_total');
      round.checks = counterSum(m, 'polaris_checks_total', 'source', WATCH_SOURCE);
    } else {
      sampler.stop();
    }
    const changesCaptured = (await lastChangeId(c.pg)) - before;
    return {
      ...round,
      changesCaptured,
      cpuPerWriteUs: (attributed(window) / result.transactions) * 1e6,
      ...(worker ? { workerCpuPerChangeUs: ((window.cpuS.worker ?? 0) / Math.max(1, changesCaptured)) * 1e6 } : {}),
      machineCpuPerWriteUs: (window.machineBusyS / result.transactions) * 1e6,
    };
  } finally {
    await worker?.stop();
  }
}
