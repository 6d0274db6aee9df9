import type { Cluster, Redis } from 'ioredis';
import { createServer } from 'node:net';
import { Pool } from 'pg';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** Named in the error when the wait times out. */
  what?: string;
  /** Runs before each poll, outside the probe's error handling: throw to give up at once (e.g. a child process died). */
  check?: () => void;
}

/** Polls until `probe` returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
  intervalMs = 50,
  { what = 'condition', check }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    check?.();
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(intervalMs);
  }
}

/** Drops a database on the PostgreSQL server at `serverUrl` (no database in the URL), ending its sessions. */
export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const admin = new Pool({ connectionString: `${serverUrl}/postgres`, max: 1 });
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** SCAN + UNLINK every key under the prefixes (glob metacharacters escaped); how many were removed. */
export async function removeKeys(redis: Redis | Cluster, prefixes: readonly string[]): Promise<number> {
  let removed = 0;
  // On a cluster every master is scanned (a replica answers SCAN too), and keys are unlinked one by one (their slots differ).
  const cluster = (redis as Cluster).isCluster === true;
  const nodes = cluster ? (redis as Cluster).nodes('master') : [redis as Redis];
  for (const node of nodes) {
    for (const prefix of prefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\{}]/g, '\\$&')}*`, 'COUNT', 5000);
        // Through the cluster client, which routes each key to its master even while the node list is stale (after a failover).
        if (keys.length && cluster) removed += (await Promise.all(keys.map((k) => redis.unlink(k)))).reduce((a, b) => a + b, 0);
        else if (keys.length) removed += await node.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  }
  return removed;
}
