import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Cluster } from 'ioredis';
import { redisConfig, RedisConfig } from '@app/config';
import { CACHE_REDIS, CacheRedis } from './cache-redis.provider';
import { isCluster, RedisClient } from './redis-options';
import { contentDigest, RedisValue } from './redis-value';
import { withTimeout } from './with-timeout';

/** Redirections a cluster answers while slots move or a master fails over: the command is sent again, never taken as an answer. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/;
const REDIRECT_RETRIES = 5;
const REDIRECT_DELAY_MS = 100;

/**
 * The cache in Redis, by key: versioned JSON payloads written through the compare-and-set, read one
 * by one or many at once, deleted, and scanned. It knows nothing of what the payloads describe.
 *
 * On a Redis Cluster, reads and deletes of many keys go as one command per key, which the client's
 * auto-pipelining sends as one pipeline per master (a multi-key MGET or DEL would fail with
 * CROSSSLOT); a key redirected mid-flight (MOVED, ASK, resharding, failover) is asked again. SCAN
 * walks every master in turn.
 */
@Injectable()
export class CacheService implements OnApplicationShutdown {
  private readonly logger = new Logger(CacheService.name);
  /** Keys whose entry may be stale because a write could not reach Redis: deleted once it is back. */
  private readonly staleWhileAway = new Set<string>();

  constructor(
    @Inject(CACHE_REDIS) private readonly redis: CacheRedis,
    @Inject(redisConfig.KEY) private readonly cfg: RedisConfig,
  ) {
    redis.on('ready', () => void this.deleteStaleWhileAway());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /**
   * Resolves once the client is connected. Commands fail fast instead of queueing while it connects,
   * so a one-shot command (the audit) waits for this before its first read; rejects after `timeoutMs`.
   */
  async ready(timeoutMs: number): Promise<void> {
    if (this.redis.status === 'ready') return;
    let onReady = () => undefined as void;
    const ready = new Promise<void>((resolve) => (onReady = resolve)); // connection errors meanwhile are retried by the client
    this.redis.once('ready', onReady);
    await withTimeout(ready, timeoutMs, `Redis did not answer within ${timeoutMs} ms`).finally(() => this.redis.off('ready', onReady));
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    if (isCluster(this.redis)) return perKey(keys, (key) => this.redis.get(key));
    return this.redis.mget(keys as string[]);
  }

  /** Writes `payload` (JSON carrying `version`) through the compare-and-set; false when a newer version is already cached. */
  async writeIfNotOlder(key: string, version: number, payload: string): Promise<boolean> {
    return (await this.redis.writeIfNotOlder(key, version, payload, this.cfg.ttlSeconds)) === 1;
  }

  /**
   * Overwrites the key unconditionally, bypassing the compare-and-set.
   * Only failure injection uses this: it is how a stale overwrite happens.
   */
  async overwriteUnsafely(key: string, payload: string): Promise<void> {
    if (this.cfg.ttlSeconds > 0) await this.redis.set(key, payload, 'EX', this.cfg.ttlSeconds);
    else await this.redis.set(key, payload);
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    if (isCluster(this.redis)) await perKey(keys, (key) => this.redis.del(key));
    else await this.redis.del(...keys);
  }

  /**
   * A write to the entry's source committed but its cache write or delete failed (Redis away): the
   * entry may now be stale. It is deleted as soon as Redis is back, so reads refill it.
   * (Held in this process; if it dies first, the worker's checks still catch the stale entry.)
   */
  markStale(key: string): void {
    this.staleWhileAway.add(key);
  }

  private async deleteStaleWhileAway(): Promise<void> {
    if (this.staleWhileAway.size === 0) return;
    const keys = [...this.staleWhileAway];
    this.staleWhileAway.clear();
    try {
      await this.delete(keys);
      this.logger.log({ event: 'cache.stale_entries_deleted', count: keys.length }, 'deleted entries written while Redis was away');
    } catch {
      for (const key of keys) this.staleWhileAway.add(key); // next reconnect
    }
  }

  /** One SCAN step over the keys that start with `prefix`: the next cursor ('0' at the end) and the keys found. */
  scan(cursor: string, prefix: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    return this.scanMatch(cursor, `${escapeGlob(prefix)}*`, count);
  }

  /**
   * One SCAN step over the keys matching a glob `pattern`. On a cluster the cursor names a master and
   * that master's cursor (`2:1536`), masters taken in address order; a key that moves between masters
   * during a pass may be seen twice or missed until the next pass, which the check behind every
   * finding absorbs.
   */
  async scanMatch(cursor: string, pattern: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    if (!isCluster(this.redis)) {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      return { cursor: next, keys };
    }
    const masters = mastersOf(this.redis);
    const at = /^(\d+):(\d+)$/.exec(cursor);
    const index = at ? Number(at[1]) : 0;
    if (index >= masters.length) return { cursor: '0', keys: [] }; // the cluster lost a master mid-pass
    const [next, keys] = await masters[index].scan(at ? at[2] : '0', 'MATCH', pattern, 'COUNT', count);
    if (next !== '0') return { cursor: `${index}:${next}`, keys };
    return { cursor: index + 1 < masters.length ? `${index + 1}:0` : '0', keys };
  }

  /**
   * Reads many keys, each as the type it should hold: one MGET for the string keys, one pipeline of
   * HGETALL for the hashes. A key of another type is read as such (TYPE), so a caller can tell a
   * wrong type from a miss: MGET answers nil for both, so each nil is asked its TYPE.
   */
  async readValues(reads: readonly { key: string; type: 'string' | 'hash' }[]): Promise<RedisValue[]> {
    const out: RedisValue[] = new Array(reads.length).fill(null);
    const strings = reads.flatMap((r, i) => (r.type === 'string' ? [i] : []));
    const hashes = reads.flatMap((r, i) => (r.type === 'hash' ? [i] : []));
    const [values, fields] = await Promise.all([
      this.getMany(strings.map((i) => reads[i].key)),
      this.hashes(hashes.map((i) => reads[i].key)),
    ]);
    strings.forEach((i, j) => {
      if (values[j] !== null) out[i] = { type: 'string', value: values[j]! };
    });
    hashes.forEach((i, j) => (out[i] = fields[j]));
    const unknown = reads.flatMap((r, i) => (out[i] === null ? [i] : []));
    if (unknown.length) {
      const types = await this.types(unknown.map((i) => reads[i].key));
      unknown.forEach((i, j) => {
        const type = types[j];
        if (type !== 'none' && type !== reads[i].type) out[i] = { type: 'other', redisType: type };
      });
    }
    return out;
  }

  /** HGETALL of each key (one pipeline, one per master on a cluster); null for none, or for a key that is not a hash (told apart by readValues). */
  private async hashes(keys: readonly string[]): Promise<RedisValue[]> {
    const replies = await this.pipelined(keys, (key) => this.redis.hgetall(key), true);
    return replies.map((fields) => (fields && Object.keys(fields).length ? { type: 'hash', value: fields } : null));
  }

  private types(keys: readonly string[]): Promise<string[]> {
    return this.pipelined(keys, (key) => this.redis.type(key)) as Promise<string[]>;
  }

  /**
   * One command per key, sent at once: auto-pipelining makes them one pipeline (one per master on a
   * cluster). A failed command throws, unless `wrongTypeIsNull` and it failed with WRONGTYPE.
   */
  private pipelined<T>(keys: readonly string[], command: (key: string) => Promise<T>, wrongTypeIsNull = false): Promise<(T | null)[]> {
    const orNull = (err: Error) => {
      if (wrongTypeIsNull && /^WRONGTYPE/.test(err.message)) return null;
      throw err;
    };
    return perKey(keys, (key) => command(key).catch(orNull));
  }

  /**
   * Replaces an entry with `replacement` only if it still holds exactly `observed`, keeping its TTL;
   * false when it changed since (a newer write is never overwritten).
   */
  async replaceIfUnchanged(key: string, observed: RedisValue, replacement: string | Readonly<Record<string, string>>): Promise<boolean> {
    const digest = contentDigest(observed);
    const written =
      typeof replacement === 'string'
        ? await this.redis.replaceIfUnchanged(key, digest, 'string', replacement)
        : await this.redis.replaceIfUnchanged(key, digest, 'hash', ...Object.entries(replacement).flat());
    return written === 1;
  }

  /**
   * Whether the cache Redis answers: PING on one node; on a cluster, CLUSTER INFO on every master,
   * each of which must say `cluster_state:ok`. The details are what /health shows.
   */
  async health(): Promise<Record<string, unknown>> {
    return redisHealth(this.redis);
  }
}

/** PING on one node; on a cluster, `cluster_state:ok` from every master (what /health reports). */
export async function redisHealth(redis: RedisClient): Promise<Record<string, unknown>> {
  if (!isCluster(redis)) {
    await redis.ping();
    return {};
  }
  const masters = mastersOf(redis);
  const states = await Promise.all(
    masters.map((m) =>
      (m.cluster('INFO') as Promise<string>).then(
        (info) => /cluster_state:ok/.test(info),
        () => false,
      ),
    ),
  );
  const ok = states.filter(Boolean).length;
  const details = { cluster_state: ok === masters.length && ok > 0 ? 'ok' : 'fail', masters: masters.length, mastersOk: ok };
  if (details.cluster_state !== 'ok') throw new Error(`Redis Cluster: ${ok} of ${masters.length} masters answer cluster_state:ok`);
  return details;
}

/** The cluster's masters in address order (SCAN's cursor names them by position). */
function mastersOf(cluster: Cluster) {
  return cluster.nodes('master').sort((a, b) => nodeName(a).localeCompare(nodeName(b)));
}

function nodeName(node: { options: { host?: string; port?: number } }): string {
  return `${node.options.host}:${String(node.options.port).padStart(5, '0')}`;
}

/**
 * Runs `command` for every key at once (auto-pipelining groups them per master) and sends again
 * the ones a cluster redirected, a few times, so a redirection is never taken for an answer.
 */
async function perKey<T>(keys: readonly string[], command: (key: string) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(keys.length);
  let pending = keys.map((_, i) => i);
  for (let attempt = 0; ; attempt++) {
    const settled = await Promise.allSettled(pending.map((i) => command(keys[i])));
    const again: number[] = [];
    settled.forEach((r, j) => {
      const i = pending[j];
      if (r.status === 'fulfilled') results[i] = r.value;
      else if (attempt < REDIRECT_RETRIES && REDIRECTED.test((r.reason as Error).message)) again.push(i);
      else throw r.reason;
    });
    if (again.length === 0) return results;
    pending = again;
    await new Promise((resolve) => setTimeout(resolve, REDIRECT_DELAY_MS));
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
