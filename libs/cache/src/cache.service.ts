import { Inject, Injectable, Logger } from '@nestjs/common';
import { redisConfig, RedisConfig } from '@app/config';
import { CacheRedis } from './cache-redis.provider';
import { contentDigest, RedisValue } from './redis-value';

/**
 * The cache in Redis, by key: versioned JSON payloads written through the compare-and-set, read one
 * by one or many at once, deleted, and scanned. It knows nothing of what the payloads describe.
 */
@Injectable()
export class CacheService {
  private readonly logger = new Logger(CacheService.name);
  /** Keys whose entry may be stale because a write could not reach Redis: deleted once it is back. */
  private readonly staleWhileAway = new Set<string>();

  constructor(
    private readonly redis: CacheRedis,
    @Inject(redisConfig.KEY) private readonly cfg: RedisConfig,
  ) {
    redis.on('ready', () => void this.deleteStaleWhileAway());
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
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
    if (keys.length) await this.redis.del(...keys);
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

  /** One SCAN step over the keys matching a glob `pattern`. */
  async scanMatch(cursor: string, pattern: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    return { cursor: next, keys };
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
      strings.length ? this.redis.mget(strings.map((i) => reads[i].key)) : [],
      this.hashes(hashes.map((i) => reads[i].key)),
    ]);
    strings.forEach((i, j) => {
      if (values[j] !== null) out[i] = { type: 'string', value: values[j]! };
    });
    hashes.forEach((i, j) => (out[i] = fields[j]));
    const unknown = reads.flatMap((r, i) => (out[i] === null ? [i] : []));
    if (unknown.length) {
      const types = await this.pipelined(unknown.map((i) => ['type', reads[i].key]));
      unknown.forEach((i, j) => {
        const type = types[j] as string;
        if (type !== 'none' && type !== reads[i].type) out[i] = { type: 'other', redisType: type };
      });
    }
    return out;
  }

  /** HGETALL of each key in one pipeline; null for none, or for a key that is not a hash (told apart by readValues). */
  private async hashes(keys: readonly string[]): Promise<RedisValue[]> {
    const replies = await this.pipelined(
      keys.map((key) => ['hgetall', key]),
      true,
    );
    return replies.map((fields) =>
      fields && Object.keys(fields as object).length ? { type: 'hash', value: fields as Record<string, string> } : null,
    );
  }

  /** Runs the commands in one pipeline; a failed command throws, unless `wrongTypeIsNull` and it failed with WRONGTYPE. */
  private async pipelined(commands: string[][], wrongTypeIsNull = false): Promise<unknown[]> {
    if (commands.length === 0) return [];
    const replies = (await this.redis.pipeline(commands).exec()) ?? [];
    return commands.map((_, i) => {
      const [err, value] = replies[i] ?? [new Error('no reply')];
      if (!err) return value;
      if (wrongTypeIsNull && /^WRONGTYPE/.test(err.message)) return null;
      throw err;
    });
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

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
