import { createHash } from 'node:crypto';
import { contentDigest } from '@app/cache';
import type { JsonValue } from '@app/items';
import { compareVersions, Inspection, Source } from '@app/sources';
import type { Observation, Version, VersionOrder } from '../outcome';

/** A source's versions ordered at the precision the cache holds (see compareVersions). */
export function versionOrder(source: Source): VersionOrder {
  const kind = source.version !== undefined ? source.kinds[source.version] : 'integer';
  return (a, b) => compareVersions(kind, String(a), String(b));
}

/** An inspection as the lifecycle records it: both sides as JSON, the differing fields, and a digest of the entry. */
export function toObservation(x: Inspection): Observation {
  const c = x.comparison;
  const dbValue = x.row === null ? null : projection(x);
  const versionKind = x.source.version !== undefined ? x.source.kinds[x.source.version] : undefined;
  return {
    outcome: c.outcome,
    dbVersion: asVersion(versionKind, c.dbVersion),
    cacheVersion: asVersion(versionKind, c.cacheVersion),
    ...(x.source.builtIn
      ? { dbValue: rowItemValue(dbValue), cacheValue: cachedItemValue(cachedValue(x)) }
      : { dbValue, cacheValue: cachedValue(x) }),
    ...(c.diff.length ? { diff: c.diff } : {}),
    cacheDigest: contentDigest(x.entry),
    dbDigest: createHash('sha1').update(JSON.stringify(dbValue)).digest('hex'),
  };
}

/** An integer version that a JSON number holds exactly is shown as one; any other stays text. */
function asVersion(kind: string | undefined, text: string | null): Version | null {
  if (text === null || kind !== 'integer' || !/^-?\d{1,15}$/.test(text)) return text;
  return Number(text);
}

/** The built-in items show their `value` on both sides, as their records always have: the row's JSON... */
function rowItemValue(projected: JsonValue | null): JsonValue | null {
  const text = (projected as Record<string, JsonValue> | null)?.value;
  return typeof text === 'string' ? (JSON.parse(text) as JsonValue) : null;
}

/** ...and the cached entry's `value`, or the entry as it is when it holds none. */
function cachedItemValue(cached: JsonValue | null): JsonValue | null {
  const isObject = cached !== null && typeof cached === 'object' && !Array.isArray(cached);
  return isObject && Object.hasOwn(cached, 'value') ? cached.value : cached;
}

/** The row as the key should cache it: its mapped fields' text, or the string key's column. */
function projection(x: Inspection): JsonValue {
  const shape = x.key.shape;
  if (shape.format === 'string') return x.row![shape.column];
  return Object.fromEntries(Object.entries(shape.fields).map(([field, column]) => [field, x.row![column]]));
}

function cachedValue(x: Inspection): JsonValue | null {
  const e = x.entry;
  if (e === null) return null;
  if (e.type === 'other') return `(a Redis ${e.redisType})`;
  if (e.type === 'hash') return { ...e.value };
  if (x.key.format !== 'json') return e.value;
  try {
    return JSON.parse(e.value) as JsonValue; // for people to read; the comparison read every number exactly
  } catch {
    return e.value;
  }
}
