/** One seed node of a Redis Cluster. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Where a Redis client connects: one node by URL, or a Redis Cluster by its seeds. */
export type RedisTarget =
  { kind: 'single'; url: string } | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean };

/** `host:port`, or a redis:// or rediss:// URL of one (with user and password, as REDIS_URL takes them). */
const SEED = String.raw`(?:rediss?://(?:[^@/,\s]*@)?)?(?:\[[0-9a-fA-F:.]+\]|[^:/@,\s[\]]+):\d{1,5}/?`;
/** Comma-separated seeds (what the environment validates). */
export const CLUSTER_SEED_LIST = new RegExp(String.raw`^\s*${SEED}\s*(?:,\s*${SEED}\s*)*$`);

function isClusterSeedList(text: string): boolean {
  return CLUSTER_SEED_LIST.test(text);
}

/**
 * A cluster target from REDIS_CLUSTER_NODES-style text. Credentials and TLS come from the seeds
 * written as URLs (`rediss://user:password@host:port`); they must agree, since every node of a
 * cluster takes the same. Throws on a list isClusterSeedList refuses.
 */
export function clusterTarget(text: string): RedisTarget {
  if (!isClusterSeedList(text)) throw new Error('not a comma-separated list of host:port seeds');
  const urls = text.split(',').map((s) => new URL(/^rediss?:\/\//.test(s.trim()) ? s.trim() : `redis://${s.trim()}`));
  const nodes = urls.map((u) => ({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) }));
  const withAuth = urls.filter((u) => u.username || u.password);
  const auth = new Set(withAuth.map((u) => `${u.username}:${u.password}`));
  if (auth.size > 1) throw new Error('the seeds name different users or passwords');
  // One rediss:// seed puts the whole cluster on TLS: its nodes announce each other without a scheme.
  const tls = urls.some((u) => u.protocol === 'rediss:');
  const first = withAuth[0];
  return {
    kind: 'cluster',
    nodes,
    ...(first?.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first?.password ? { password: decodeURIComponent(first.password) } : {}),
    tls,
  };
}

/** How a target is shown to people: its seeds or URL, without credentials. */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'single') return target.url.replace(/\/\/[^/@]*@/, '//');
  return `cluster ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}${target.tls ? ' (TLS)' : ''}`;
}
