import { createConnection } from 'node:net';
import type { Cluster } from 'ioredis';
import { RedisCluster } from '@app/testing';

/**
 * The RedisCluster test helper itself: a real 3-master Redis Cluster with a replica per master, from
 * redis-server and redis-cli. Keys spread over every master, a replica takes over with failover()
 * without losing a key, and stop() leaves nothing listening. Polaris is not started here.
 */
const KEYS = Array.from({ length: 300 }, (_, i) => `k${i}`);

/** Whether anything accepts a TCP connection on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true); // not refused: something holds the port
    });
    socket.once('error', () => resolve(false));
  });
}

/** CLUSTER INFO of every node, as `port → cluster_state`. */
async function states(cluster: RedisCluster): Promise<Record<number, string>> {
  const entries = await Promise.all(
    cluster.nodes.map(async ({ port }) => {
      const node = cluster.nodeClient(port);
      try {
        const info = (await node.call('CLUSTER', 'INFO')) as string;
        return [port, /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown'] as const;
      } finally {
        node.disconnect();
      }
    }),
  );
  return Object.fromEntries(entries);
}

const allOk = (cluster: RedisCluster) => Object.fromEntries(cluster.nodes.map(({ port }) => [port, 'ok']));

describe('RedisCluster (test helper): a real local Redis Cluster', () => {
  let cluster: RedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
    client = cluster.client();
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  }, 60_000);

  it('starts 3 masters with a replica each, every node ok, seeded by all of them', async () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(cluster.seeds()).toBe(cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(','));
    const masters = await cluster.masters();
    const replicas = await cluster.replicas();
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    // Each master has exactly one replica.
    expect(replicas.map((r) => r.masterPort).sort()).toEqual(masters.map((m) => m.port).sort());
    expect(await states(cluster)).toEqual(allOk(cluster));
  });

  it('spreads keys written through a Cluster client over every master', async () => {
    for (const key of KEYS) await client.set(key, `v-${key}`);
    for (const { port } of await cluster.masters()) {
      const node = cluster.nodeClient(port);
      try {
        expect(await node.dbsize()).toBeGreaterThan(0);
      } finally {
        node.disconnect();
      }
    }
    // masterFor names the node that holds the key.
    for (const key of ['k0', 'k1', 'k299']) {
      const node = cluster.nodeClient((await cluster.masterFor(key)).port);
      try {
        expect(await node.get(key)).toBe(`v-${key}`);
      } finally {
        node.disconnect();
      }
    }
  });

  it('failover() promotes a replica; the cluster stays ok and still serves every key', async () => {
    const [replica] = await cluster.replicas();
    await cluster.failover(replica.port);

    const masters = (await cluster.masters()).map((m) => m.port);
    expect(masters).toContain(replica.port);
    expect(masters).not.toContain(replica.masterPort);
    expect(await cluster.replicas()).toContainEqual({ host: '127.0.0.1', port: replica.masterPort, masterPort: replica.port });
    expect(await states(cluster)).toEqual(allOk(cluster));

    // The client that wrote the keys follows the new layout (MOVED); so does a fresh one.
    const fresh = cluster.client();
    try {
      for (const reader of [client, fresh]) {
        const values = await Promise.all(KEYS.map((key) => reader.get(key)));
        expect(values).toEqual(KEYS.map((key) => `v-${key}`));
      }
    } finally {
      fresh.disconnect();
    }
  });

  it('flushAll() empties every master', async () => {
    await cluster.flushAll();
    for (const { port } of await cluster.masters()) {
      const node = cluster.nodeClient(port);
      try {
        expect(await node.dbsize()).toBe(0);
      } finally {
        node.disconnect();
      }
    }
  });

  it('stop() leaves nothing listening on its ports, and is safe to call again', async () => {
    client.disconnect();
    const ports = cluster.nodes.flatMap((n) => [n.port, n.busPort]);
    await cluster.stop();
    await cluster.stop();
    const open = [];
    for (const port of ports) if (await listening(port)) open.push(port);
    expect(open).toEqual([]);
    await expect(cluster.masters()).rejects.toThrow(/stopped/);
  });

  it('refuses fewer than 3 masters before starting anything', async () => {
    await expect(RedisCluster.start({ masters: 2 })).rejects.toThrow(/at least 3/);
  });
});
