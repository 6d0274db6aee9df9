import type { ColumnKind } from './column-kind';
import { compareEntry, MAX_DIFF } from './index';
import type { CachedEntry, CompareInput, KeyShape, RowText } from './index';

const kinds: Record<string, ColumnKind> = {
  id: 'integer',
  name: 'text',
  price: 'decimal',
  active: 'boolean',
  meta: 'json',
  updated_at: 'timestamp',
  version: 'integer',
};
const row: RowText = {
  id: '42',
  name: 'Widget',
  price: '12.50',
  active: 'true',
  meta: '{"tags": ["a", "b"], "n": 9007199254740993}',
  updated_at: '2026-11-27T23:18:24.123456+00:00',
  version: '7',
};
const jsonShape: KeyShape = {
  format: 'json',
  fields: { id: 'id', name: 'name', price: 'price', active: 'active', meta: 'meta', updatedAt: 'updated_at', v: 'version' },
};
const hashShape: KeyShape = { format: 'hash', fields: { name: 'name', price: 'price', active: 'active', v: 'version' } };
const stringShape: KeyShape = { format: 'string', column: 'name' };

const cachedObject = {
  id: 42,
  name: 'Widget',
  price: '12.5',
  active: true,
  meta: { n: 9007199254740993n, tags: ['a', 'b'] },
  updatedAt: '2026-11-27T23:18:24.123Z',
  v: 7,
};
/** JSON.stringify that writes bigints as exact JSON numbers. */
const jsonText = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `@@${v}@@` : v)).replace(/"@@(-?\d+)@@"/g, '$1');
const jsonEntry = (changes: Record<string, unknown> = {}): CachedEntry => ({
  type: 'string',
  value: jsonText({ ...cachedObject, ...changes }),
});
const hashEntry = (changes: Record<string, string> = {}): CachedEntry => ({
  type: 'hash',
  value: { name: 'Widget', price: '12.50', active: '1', v: '7', ...changes },
});

const compare = (input: Partial<CompareInput>) =>
  compareEntry({ shape: jsonShape, kinds, versionColumn: 'version', row, entry: jsonEntry(), ...input });

describe('compareEntry: presence', () => {
  it('is a miss when the row exists and the key does not', () => {
    expect(compare({ entry: null })).toEqual({ outcome: 'miss', diff: [], dbVersion: '7', cacheVersion: null });
  });

  it('is absent when neither exists', () => {
    expect(compare({ entry: null, row: null })).toEqual({ outcome: 'absent', diff: [], dbVersion: null, cacheVersion: null });
  });

  it('is an orphan when the key exists without a row, readable or not', () => {
    expect(compare({ row: null })).toEqual({ outcome: 'orphan', diff: [], dbVersion: null, cacheVersion: '7' });
    expect(compare({ row: null, entry: { type: 'string', value: 'garbage' } }).outcome).toBe('orphan');
  });

  it('gives no dbVersion without a version column', () => {
    expect(compare({ entry: null, versionColumn: undefined }).dbVersion).toBeNull();
  });
});

describe('compareEntry: unreadable entries are corrupt', () => {
  it.each([
    ['json', { type: 'string', value: '{"id":42' }, 'not JSON'],
    ['json', { type: 'string', value: '' }, 'not JSON'],
    ['json', { type: 'string', value: '[1,2]' }, 'not a JSON object'],
    ['json', { type: 'string', value: 'null' }, 'not a JSON object'],
    ['json', { type: 'string', value: '"{}"' }, 'not a JSON object'],
    ['json', { type: 'string', value: '42' }, 'not a JSON object'],
    // Too deep for the exact parser, which a number a double cannot hold (17 digits) calls for.
    ['json', { type: 'string', value: `{"a":${'['.repeat(10_000)}12345678901234567${']'.repeat(10_000)}}` }, 'JSON nested too deeply'],
    ['json', { type: 'hash', value: { id: '42' } }, 'wrong Redis type: hash'],
    ['json', { type: 'other', redisType: 'list' }, 'wrong Redis type: list'],
    ['string', { type: 'hash', value: {} }, 'wrong Redis type: hash'],
    ['string', { type: 'other', redisType: 'zset' }, 'wrong Redis type: zset'],
    ['hash', { type: 'string', value: '{}' }, 'wrong Redis type: string'],
    ['hash', { type: 'other', redisType: 'stream' }, 'wrong Redis type: stream'],
  ] as const)('%s key holding %j: %s', (format, entry, detail) => {
    const shape = format === 'json' ? jsonShape : format === 'hash' ? hashShape : stringShape;
    expect(compare({ shape, entry: entry as CachedEntry })).toEqual({
      outcome: 'corrupt',
      diff: [],
      dbVersion: '7',
      cacheVersion: null,
      detail,
    });
  });
});

describe('compareEntry: field by field', () => {
  it('is consistent when every mapped field matches, ignoring cache fields outside the mapping', () => {
    expect(compare({ entry: jsonEntry({ extra: 'ignored', nested: { deep: [1] } }) })).toEqual({
      outcome: 'consistent',
      diff: [],
      dbVersion: '7',
      cacheVersion: '7',
    });
    expect(compare({ shape: hashShape, entry: hashEntry({ other: 'x' }) }).outcome).toBe('consistent');
    expect(compare({ shape: stringShape, entry: { type: 'string', value: 'Widget' } }).outcome).toBe('consistent');
  });

  it('lists differing fields by cache field name, in mapping order, as JSON-serialisable values', () => {
    const result = compare({
      versionColumn: undefined,
      entry: jsonEntry({ meta: { tags: ['a'], n: 9007199254740992n }, name: 'Gadget', v: 7 }),
    });
    expect(result.outcome).toBe('diverged');
    expect(result.diff).toEqual([
      { field: 'name', cache: 'Gadget', db: 'Widget' },
      // 2^53 fits a double and is given as a number; 2^53 + 1 does not and is given as its digits.
      { field: 'meta', cache: { n: 9007199254740992, tags: ['a'] }, db: { tags: ['a', 'b'], n: '9007199254740993' } },
    ]);
    expect(JSON.parse(JSON.stringify(result.diff))).toEqual(result.diff);
  });

  it('gives an absent cache field as null in the diff', () => {
    const { name: _name, ...withoutName } = cachedObject;
    const result = compare({ entry: { type: 'string', value: jsonText(withoutName) }, versionColumn: undefined });
    expect(result.diff).toEqual([{ field: 'name', cache: null, db: 'Widget' }]);
  });

  it('names the column as the field of a string key', () => {
    const result = compare({ shape: stringShape, entry: { type: 'string', value: 'Gadget' } });
    expect(result).toEqual({
      outcome: 'diverged',
      diff: [{ field: 'name', cache: 'Gadget', db: 'Widget' }],
      dbVersion: '7',
      cacheVersion: null,
    });
  });

  it(`lists at most ${MAX_DIFF} fields`, () => {
    const columns = Array.from({ length: 25 }, (_, i) => `c${i}`);
    const result = compareEntry({
      shape: { format: 'hash', fields: Object.fromEntries(columns.map((c) => [`f_${c}`, c])) },
      kinds: Object.fromEntries(columns.map((c) => [c, 'text' as const])),
      row: Object.fromEntries(columns.map((c) => [c, 'db'])),
      entry: { type: 'hash', value: Object.fromEntries(columns.map((c) => [`f_${c}`, 'cache'])) },
    });
    expect(result.outcome).toBe('diverged');
    expect(result.diff).toHaveLength(MAX_DIFF);
    expect(result.diff.map((d) => d.field)).toEqual(columns.slice(0, MAX_DIFF).map((c) => `f_${c}`));
  });

  it('reads fields named like Object.prototype members only as own keys', () => {
    const shape: KeyShape = {
      format: 'json',
      fields: { constructor: 'name', __proto__: 'id', toString: 'price' } as Record<string, string>,
    };
    Object.defineProperty(shape.fields, '__proto__', { value: 'id', enumerable: true });
    const input = { shape, kinds, row };
    expect(
      compareEntry({ ...input, entry: { type: 'string', value: '{"constructor":"Widget","__proto__":42,"toString":12.5}' } }).outcome,
    ).toBe('consistent');
    const empty = compareEntry({ ...input, entry: { type: 'string', value: '{}' } });
    expect(empty.outcome).toBe('diverged');
    expect(empty.diff.map((d) => d.field).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(empty.diff.every((d) => d.cache === null)).toBe(true);
  });

  it('treats a column the row lacks as NULL and a column without a kind as text', () => {
    const shape: KeyShape = { format: 'hash', fields: { ghost: 'ghost', label: 'label' } };
    expect(compareEntry({ shape, kinds: {}, row: { label: '5' }, entry: { type: 'hash', value: { label: '5' } } }).outcome).toBe(
      'consistent',
    );
    expect(compareEntry({ shape, kinds: {}, row: { label: '5' }, entry: { type: 'hash', value: { label: '5.0' } } }).outcome).toBe(
      'diverged',
    );
  });

  it('compares JSON nested 10k deep without a RangeError', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const shape: KeyShape = { format: 'hash', fields: { doc: 'meta' } };
    const input = { shape, kinds, row: { meta: deep } };
    expect(compareEntry({ ...input, entry: { type: 'hash', value: { doc: deep } } }).outcome).toBe('consistent');
    const other = compareEntry({ ...input, entry: { type: 'hash', value: { doc: '[]' } } });
    expect(other.outcome).toBe('diverged');
    expect(other.diff[0].db).toBe(deep);
    expect(() => JSON.stringify(other)).not.toThrow();
  });
});

describe('compareEntry: versions order a mismatch', () => {
  const changedName = { name: 'Old name' };

  it('is stale when the cached version is older', () => {
    const result = compare({ entry: jsonEntry({ ...changedName, v: 6 }) });
    expect(result).toMatchObject({ outcome: 'stale', dbVersion: '7', cacheVersion: '6' });
    expect(result.diff.map((d) => d.field)).toEqual(['name', 'v']);
  });

  it('is ahead when the cached version is newer', () => {
    expect(compare({ entry: jsonEntry({ ...changedName, v: '8' }) })).toMatchObject({ outcome: 'ahead', cacheVersion: '8' });
    expect(compare({ shape: hashShape, entry: hashEntry({ price: '13', v: '10' }) })).toMatchObject({
      outcome: 'ahead',
      cacheVersion: '10',
    });
  });

  it('is corrupt when the versions are the same but the data is not', () => {
    expect(compare({ entry: jsonEntry(changedName) })).toMatchObject({ outcome: 'corrupt', diff: [{ field: 'name' }], cacheVersion: '7' });
    expect(compare({ entry: jsonEntry(changedName) }).detail).toBeUndefined();
  });

  it('is diverged when the mismatch cannot be ordered', () => {
    expect(compare({ entry: jsonEntry(changedName), versionColumn: undefined }).outcome).toBe('diverged');
    // Version column declared but not mapped by this key.
    expect(compare({ shape: { format: 'hash', fields: { name: 'name' } }, entry: hashEntry(changedName) })).toMatchObject({
      outcome: 'diverged',
      dbVersion: '7',
      cacheVersion: null,
    });
    // No version in the row.
    expect(compare({ row: { ...row, version: null }, entry: jsonEntry(changedName) })).toMatchObject({
      outcome: 'diverged',
      dbVersion: null,
    });
  });

  it('is corrupt when the key maps the version but the entry holds none, or one that cannot be read', () => {
    expect(compare({ entry: jsonEntry({ ...changedName, v: undefined }) })).toMatchObject({ outcome: 'corrupt', cacheVersion: null });
    expect(compare({ entry: jsonEntry({ ...changedName, v: 'seven' }) })).toMatchObject({ outcome: 'corrupt', cacheVersion: 'seven' });
    expect(compare({ entry: jsonEntry({ ...changedName, v: null }) })).toMatchObject({ outcome: 'corrupt', cacheVersion: null });
    expect(compare({ entry: jsonEntry({ ...changedName, v: true }) })).toMatchObject({ outcome: 'corrupt', cacheVersion: 'true' });
  });

  it('takes a cached ms timestamp equal to the database µs truncated as the same version, not stale', () => {
    const shape: KeyShape = { format: 'json', fields: { name: 'name', updatedAt: 'updated_at' } };
    const input = { shape, kinds, versionColumn: 'updated_at', row };
    const entry = (fields: object): CachedEntry => ({ type: 'string', value: JSON.stringify(fields) });
    expect(compareEntry({ ...input, entry: entry({ name: 'Widget', updatedAt: '2026-11-27T23:18:24.123Z' }) }).outcome).toBe('consistent');
    expect(compareEntry({ ...input, entry: entry({ name: 'Gadget', updatedAt: '2026-11-27T23:18:24.123Z' }) })).toMatchObject({
      outcome: 'corrupt',
      diff: [{ field: 'name' }],
      dbVersion: '2026-11-27T23:18:24.123456+00:00',
      cacheVersion: '2026-11-27T23:18:24.123Z',
    });
    const epoch = Date.parse('2026-11-27T23:18:24.122Z');
    expect(compareEntry({ ...input, entry: entry({ name: 'Gadget', updatedAt: epoch }) })).toMatchObject({
      outcome: 'stale',
      cacheVersion: String(epoch),
    });
  });
});

describe("compareEntry: a Node app's JSON.stringify of a node-pg row", () => {
  // Columns as PostgreSQL gives them through selectExpression…
  const pgKinds: Record<string, ColumnKind> = {
    id: 'integer',
    big: 'integer',
    price: 'decimal',
    ratio: 'decimal',
    active: 'boolean',
    archived: 'boolean',
    created_at: 'timestamp',
    local_at: 'timestamp',
    birthday: 'date',
    meta: 'json',
    tags: 'json',
    name: 'text',
    ref: 'text',
    note: 'text',
  };
  const pgRow: RowText = {
    id: '42',
    big: '9007199254740993',
    price: '12.50',
    ratio: '0.1',
    active: 'true',
    archived: 'false',
    created_at: '2026-11-27T23:18:24.123456+00:00',
    local_at: '2026-11-27T23:18:24.999999',
    birthday: '1990-05-17',
    meta: '{"n": 1.5, "big": 12345678901234567890, "tags": ["a", "b"], "nested": {"x": null}}',
    tags: '["x","y"]',
    name: 'Widget ☕',
    ref: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    note: null,
  };
  // …and the row node-pg hands a Node app (process TZ=UTC): int8 and numeric as strings, timestamps as Dates with
  // milliseconds, json parsed, arrays as arrays.
  const nodePgRow = {
    id: 42,
    big: '9007199254740993',
    price: '12.50',
    ratio: 0.1,
    active: true,
    archived: false,
    created_at: new Date(Date.UTC(2026, 10, 27, 23, 18, 24, 123.456)),
    local_at: new Date(Date.UTC(2026, 10, 27, 23, 18, 24, 999.999)),
    birthday: new Date(Date.UTC(1990, 4, 17)),
    meta: JSON.parse('{"n": 1.5, "big": 12345678901234567890, "tags": ["a", "b"], "nested": {"x": null}}') as unknown,
    tags: ['x', 'y'],
    name: 'Widget ☕',
    ref: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    note: null,
  };
  const identity = (columns: string[]) => Object.fromEntries(columns.map((c) => [c, c]));

  it('compares consistent', () => {
    const value = JSON.stringify(nodePgRow);
    expect(value).toContain('"created_at":"2026-11-27T23:18:24.123Z"');
    const result = compareEntry({
      shape: { format: 'json', fields: identity(Object.keys(pgKinds).filter((c) => c !== 'meta')) },
      kinds: pgKinds,
      versionColumn: 'created_at',
      row: pgRow,
      entry: { type: 'string', value },
    });
    expect(result).toEqual({
      outcome: 'consistent',
      diff: [],
      dbVersion: '2026-11-27T23:18:24.123456+00:00',
      cacheVersion: '2026-11-27T23:18:24.123Z',
    });
  });

  it('still sees a json column whose big number JSON.parse rounded', () => {
    const result = compareEntry({
      shape: { format: 'json', fields: identity(['meta']) },
      kinds: pgKinds,
      row: pgRow,
      entry: { type: 'string', value: JSON.stringify(nodePgRow) },
    });
    expect(result.outcome).toBe('diverged');
    expect(result.diff[0].field).toBe('meta');
  });

  it('compares consistent as a hash of String(value)s, with the Date as its ISO text', () => {
    const fields = ['id', 'big', 'price', 'ratio', 'active', 'created_at', 'name', 'ref', 'note'];
    const value = Object.fromEntries(
      fields
        .filter((c) => nodePgRow[c as keyof typeof nodePgRow] !== null)
        .map((c) => {
          const v = nodePgRow[c as keyof typeof nodePgRow];
          return [c, v instanceof Date ? v.toISOString() : String(v)];
        }),
    );
    expect(
      compareEntry({ shape: { format: 'hash', fields: identity(fields) }, kinds: pgKinds, row: pgRow, entry: { type: 'hash', value } })
        .outcome,
    ).toBe('consistent');
  });
});
