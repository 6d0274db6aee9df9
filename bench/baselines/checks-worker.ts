/**
 * Bare checks baseline: one BullMQ Worker on Polaris's "checks" queue (same prefix, same concurrency
 * as CHECK_CONCURRENCY), each job doing one SELECT by id and one Redis GET (concurrently), then a
 * JSON.parse and version compare. No batching, no lifecycle bookkeeping (open records, pending
 * confirmations, SLI marks, timelines), no metrics. Pool size and Redis client options as Polaris's.
 * With REDIS_CLUSTER_NODES / QUEUE_REDIS_CLUSTER_NODES (seeds) the cache / the queue are on a Redis Cluster.
 * On exit it prints one line: `baseline-checks: {"consistent":N,"mismatched":M}`.
 */
import { Job, Worker } from 'bullmq';
import Redis, { Cluster } from 'ioredis';
import { Pool } from 'pg';
import { redisOptionsFromUrl } from '@app/cache';
import { env, exitWith } from './lifeline';

const prefix = env('CACHE_KEY_PREFIX');
// The bench seeds its tables beside Polaris's, in the polaris schema.
const pool = new Pool({
  connectionString: env('POSTGRES_URL'),
  max: Number(env('PG_POOL_SIZE', '10')),
  options: '-c search_path=polaris,public',
});
/** `127.0.0.1:p1,127.0.0.1:p2,...` → ioredis Cluster seeds. */
const seedsOf = (list: string) =>
  list.split(',').map((s) => {
    const [host, port] = s.trim().split(':');
    return { host, port: Number(port) };
  });
const cacheCluster = process.env.REDIS_CLUSTER_NODES;
const queueCluster = process.env.QUEUE_REDIS_CLUSTER_NODES;
// On a cluster: GETs auto-pipelined per master (one pipeline per node per tick), as on one node.
const redis = cacheCluster
  ? new Cluster(seedsOf(cacheCluster), { enableAutoPipelining: true })
  : new Redis(env('REDIS_URL'), { enableAutoPipelining: true });
const queueConnection = queueCluster ? new Cluster(seedsOf(queueCluster), { redisOptions: { maxRetriesPerRequest: null } }) : undefined;
const tally = { consistent: 0, mismatched: 0 };

async function check(job: Job<{ items: { itemId: string }[] }>): Promise<string> {
  const id = job.data.items[0].itemId; // one item per job, as the benchmark queues them
  const [res, raw] = await Promise.all([
    pool.query<{ id: string; version: number }>('SELECT id, name, value, version FROM items WHERE id = $1', [id]),
    redis.get(prefix + id),
  ]);
  const row = res.rows[0];
  let outcome = 'mismatch';
  if (row && raw !== null) {
    const entry = JSON.parse(raw) as { id?: string; version?: number };
    if (entry.id === row.id && entry.version === row.version) outcome = 'consistent';
  }
  if (outcome === 'consistent') tally.consistent++;
  else tally.mismatched++;
  return outcome;
}

const worker = new Worker('checks', check, {
  prefix: env('QUEUE_PREFIX'),
  connection: queueConnection ?? { ...redisOptionsFromUrl(env('QUEUE_REDIS_URL')), maxRetriesPerRequest: null },
  concurrency: Number(env('CHECK_CONCURRENCY', '64')),
});
worker.on('error', (err) => console.error(err.message));

exitWith(async () => {
  await worker.close();
  await Promise.all([pool.end(), redis.quit(), queueConnection?.quit()]);
  console.log(`baseline-checks: ${JSON.stringify(tally)}`);
});
