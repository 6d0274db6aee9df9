/**
 * The cluster variant of a benchmark (--cluster): a private 3-master Redis Cluster on loopback
 * (RedisCluster from @app/testing), stopped at cleanup, and the cache filled on it key by key
 * (one SET per key, auto-pipelined per master: MSET or a multi-key pipeline across slots fails
 * with CROSSSLOT).
 */
import type { Cluster } from 'ioredis';
import { RedisCluster } from '@app/testing';
import { flag } from './cli';

export const CLUSTER = flag('cluster');
export const CLUSTER_MASTERS = 3;

export async function startCluster(
  onCleanup: (fn: () => Promise<void>) => void,
  say: (msg: string) => void,
): Promise<{ cluster: RedisCluster; client: Cluster }> {
  const t = performance.now();
  const cluster = await RedisCluster.start({ masters: CLUSTER_MASTERS });
  const client = cluster.client({ enableAutoPipelining: true, redisOptions: { maxRetriesPerRequest: null } });
  onCleanup(async () => {
    client.disconnect();
    await cluster.stop();
  });
  say(`Redis Cluster of ${CLUSTER_MASTERS} masters up at ${cluster.seeds()} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { cluster, client };
}
