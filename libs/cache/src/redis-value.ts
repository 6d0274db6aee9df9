import { createHash } from 'node:crypto';

/** What Redis holds at a key, as read for comparison: a string, a hash, another type, or nothing (null). */
export type RedisValue =
  | { type: 'string'; value: string }
  | { type: 'hash'; value: Readonly<Record<string, string>> }
  | { type: 'other'; redisType: string }
  | null;

/** The digest REPLACE_IF_UNCHANGED_LUA computes of the same content, so a heal can name what it observed. */
export function contentDigest(value: RedisValue): string {
  if (value === null) return '';
  if (value.type === 'other') return `other:${value.redisType}`;
  if (value.type === 'string') return createHash('sha1').update(value.value).digest('hex');
  // Byte order, as Lua's string comparison in Redis.
  const fields = Object.keys(value.value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return createHash('sha1')
    .update(fields.flatMap((f) => [f, value.value[f]]).join('\0'))
    .digest('hex');
}
