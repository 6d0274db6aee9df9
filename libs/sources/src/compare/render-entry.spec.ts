import fc from 'fast-check';
import type { ColumnKind } from './column-kind';
import { compareEntry, parseCachedJson, renderEntry } from './index';
import type { CachedEntry, KeyShape, RowText } from './index';
import { isJsonObject, jsonEquals, toPlainJson } from './json-value';
import { epochMillis, formatIso, parseIso } from './timestamp';

const kinds: Record<string, ColumnKind> = {
  id: 'integer',
  big: 'integer',
  price: 'decimal',
  odd: 'decimal',
  active: 'boolean',
  meta: 'json',
  at: 'timestamp',
  day: 'date',
  name: 'text',
  gone: 'text',
};
const row: RowText = {
  id: '42',
  big: '9007199254740993',
  price: '12.50',
  odd: 'NaN',
  active: 'true',
  meta: '{"n": 1.10, "list": [1, 2]}',
  at: '2026-11-27T23:18:24.123456+00:00',
  day: '2026-11-27',
  name: 'Widget',
  gone: null,
};
const fields = Object.fromEntries(Object.keys(kinds).map((column) => [column, column]));
const jsonShape: KeyShape = { format: 'json', fields };
const hashShape: KeyShape = { format: 'hash', fields };

const asEntry = (rendered: string | Record<string, string>): CachedEntry =>
  typeof rendered === 'string' ? { type: 'string', value: rendered } : { type: 'hash', value: rendered };
const jsonValue = (text: string) => ({ type: 'string', value: text }) as const;

describe('renderEntry: natural defaults', () => {
  it('writes a json key with numbers that fit a double as numbers, exactly as the database wrote them', () => {
    const rendered = renderEntry(jsonShape, kinds, row, null);
    expect(rendered).toBe(
      '{"id":42,"big":"9007199254740993","price":12.50,"odd":"NaN","active":true,"meta":{"n": 1.10, "list": [1, 2]},' +
        '"at":"2026-11-27T23:18:24.123Z","day":"2026-11-27","name":"Widget","gone":null}',
    );
    expect(compareEntry({ shape: jsonShape, kinds, row, entry: asEntry(rendered) }).outcome).toBe('consistent');
  });

  it('writes a hash as text, leaving NULL columns out', () => {
    const rendered = renderEntry(hashShape, kinds, row, null);
    expect(rendered).toEqual({
      id: '42',
      big: '9007199254740993',
      price: '12.50',
      odd: 'NaN',
      active: 'true',
      meta: '{"n": 1.10, "list": [1, 2]}',
      at: '2026-11-27T23:18:24.123Z',
      day: '2026-11-27',
      name: 'Widget',
    });
    expect(compareEntry({ shape: hashShape, kinds, row, entry: asEntry(rendered) }).outcome).toBe('consistent');
  });

  it('writes a string key as the column text', () => {
    expect(renderEntry({ format: 'string', column: 'name' }, kinds, row, null)).toBe('Widget');
    expect(renderEntry({ format: 'string', column: 'at' }, kinds, row, null)).toBe('2026-11-27T23:18:24.123Z');
    expect(renderEntry({ format: 'string', column: 'meta' }, kinds, row, null)).toBe('{"n": 1.10, "list": [1, 2]}');
  });

  it('refuses to write NULL as a string key', () => {
    expect(() => renderEntry({ format: 'string', column: 'gone' }, kinds, row, null)).toThrow(/NULL/);
  });

  it('uses defaults when the observed entry cannot be read', () => {
    const defaults = renderEntry(jsonShape, kinds, row, null);
    expect(renderEntry(jsonShape, kinds, row, jsonValue('not json'))).toBe(defaults);
    expect(renderEntry(jsonShape, kinds, row, { type: 'hash', value: { id: '42' } })).toBe(defaults);
    expect(renderEntry(hashShape, kinds, row, { type: 'other', redisType: 'list' })).toEqual(renderEntry(hashShape, kinds, row, null));
  });

  it('writes infinite timestamps and dates as their text', () => {
    const infinite = { ...row, at: 'infinity', day: '-infinity' };
    const rendered = renderEntry(jsonShape, kinds, infinite, null) as string;
    expect(toPlainJson(parseCachedJson(rendered))).toMatchObject({ at: 'infinity', day: '-infinity' });
    expect(compareEntry({ shape: jsonShape, kinds, row: infinite, entry: asEntry(rendered) }).outcome).toBe('consistent');
  });
});

describe('renderEntry: mimics the observed entry', () => {
  it('copies each json field the way the cache wrote it, and keeps fields outside the mapping', () => {
    const observed = jsonValue(
      JSON.stringify({
        extra: { keep: [1.5, 'x'] },
        id: '1',
        price: 1.5,
        meta: '{"old":true}',
        at: 1700000000000,
        day: '2020-01-01T00:00:00.000Z',
        name: 'Old',
      }).replace('[1.5,', '[1.50,'),
    );
    const rendered = renderEntry(jsonShape, kinds, row, observed) as string;
    expect(rendered).toBe(
      '{"extra":{"keep":[1.50,"x"]},"id":"42","price":12.50,"meta":"{\\"n\\": 1.10, \\"list\\": [1, 2]}",' +
        `"at":${Date.parse('2026-11-27T23:18:24.123Z')},"day":"2026-11-27T00:00:00.000Z","name":"Widget",` +
        '"big":"9007199254740993","odd":"NaN","active":true,"gone":null}',
    );
    expect(compareEntry({ shape: jsonShape, kinds, row, entry: asEntry(rendered) }).outcome).toBe('consistent');
  });

  it('copies an ISO timestamp style: offset, separator, fractional digits', () => {
    const render = (seen: string) =>
      toPlainJson(parseCachedJson(renderEntry(jsonShape, kinds, row, jsonValue(JSON.stringify({ at: seen }))) as string));
    expect(render('2020-01-01 03:00:00.000001+03:00')).toMatchObject({ at: '2026-11-28 02:18:24.123456+03:00' });
    expect(render('2020-01-01T00:00:00Z')).toMatchObject({ at: '2026-11-27T23:18:24Z' });
    expect(render('2020-01-01T00:00:00.12')).toMatchObject({ at: '2026-11-27T23:18:24.12' });
    expect(render('2020-01-01T00:00:00.123456789-0530')).toMatchObject({ at: '2026-11-27T17:48:24.123456000-0530' });
    // A bare date is no timestamp style.
    expect(render('2020-01-01')).toMatchObject({ at: '2026-11-27T23:18:24.123Z' });
  });

  it('copies hash styles: "1"/"0" booleans, epoch ms, ISO dates; keeps other fields; drops fields whose column is NULL', () => {
    const observed: CachedEntry = {
      type: 'hash',
      value: { active: '0', at: '1700000000000', day: '1577836800000', gone: 'was here', other: 'kept', __proto__: 'own' },
    };
    Object.defineProperty(observed.value, '__proto__', { value: 'own', enumerable: true });
    const rendered = renderEntry(hashShape, kinds, row, observed) as Record<string, string>;
    expect(rendered).toMatchObject({
      active: '1',
      at: String(Date.parse('2026-11-27T23:18:24.123Z')),
      day: String(Date.parse('2026-11-27T00:00:00Z')),
      other: 'kept',
    });
    expect(Object.hasOwn(rendered, 'gone')).toBe(false);
    expect(Object.hasOwn(rendered, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(rendered)).toBe(Object.prototype);
    expect(compareEntry({ shape: hashShape, kinds, row, entry: asEntry(rendered) }).outcome).toBe('consistent');
  });

  it('copies a string key style', () => {
    const shape: KeyShape = { format: 'string', column: 'at' };
    expect(renderEntry(shape, kinds, row, jsonValue('1700000000000'))).toBe(String(Date.parse('2026-11-27T23:18:24.123Z')));
    expect(renderEntry({ format: 'string', column: 'active' }, kinds, row, jsonValue('0'))).toBe('1');
  });
});

// ---- Property tests: random rows of mixed kinds ----

const KINDS: ColumnKind[] = ['integer', 'decimal', 'timestamp', 'date', 'boolean', 'json', 'text'];
/** A database text and another that certainly differs from it (a mutation). */
type Pair = [text: string, mutated: string];

const MIN_US = BigInt(Date.parse('0001-01-01T00:00:00Z')) * 1000n;
const MAX_US = BigInt(Date.parse('9999-12-31T23:59:59Z')) * 1000n;
const MIN_DAY = Date.parse('0001-01-01T00:00:00Z') / 86_400_000;
const MAX_DAY = Date.parse('9999-12-31T00:00:00Z') / 86_400_000;

/** to_json's text of a timestamp, written without this module: wall time at the offset, trailing zeros trimmed. */
function pgTimestamp(us: bigint, offsetMinutes: number | null): string {
  const wall = us + BigInt(offsetMinutes ?? 0) * 60_000_000n;
  const remainder = ((wall % 1000n) + 1000n) % 1000n;
  const iso = new Date(Number((wall - remainder) / 1000n)).toISOString();
  const fraction = (iso.slice(20, 23) + String(remainder).padStart(3, '0')).replace(/0+$/, '');
  const seconds = iso.slice(0, 19) + (fraction ? `.${fraction}` : '');
  if (offsetMinutes === null) return seconds;
  const size = Math.abs(offsetMinutes);
  return `${seconds}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(size / 60)).padStart(2, '0')}:${String(size % 60).padStart(2, '0')}`;
}
const pgDate = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

const pairOf: Record<ColumnKind, fc.Arbitrary<Pair>> = {
  integer: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 2n }).map((n): Pair => [String(n), String(n + 1n)]),
  decimal: fc.oneof(
    fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }))
      .map(([negative, whole, fraction]): Pair => {
        const text = (magnitude: bigint) => `${negative ? '-' : ''}${magnitude}${fraction ? `.${fraction}` : ''}`;
        return [text(whole), text(whole + 1n)];
      }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d): Pair => [String(d), d === 1 ? '2' : '1']),
    fc.constant<Pair>(['NaN', '0']),
  ),
  timestamp: fc.oneof(
    {
      weight: 9,
      arbitrary: fc
        .tuple(fc.bigInt({ min: MIN_US, max: MAX_US }), fc.constantFrom(null, 0, 60, -300, 330, 765))
        .map(([us, offset]): Pair => [pgTimestamp(us, offset), pgTimestamp(us + 1_000_000n, offset)]),
    },
    { weight: 1, arbitrary: fc.constantFrom<Pair>(['infinity', '-infinity'], ['-infinity', 'infinity']) },
  ),
  date: fc.integer({ min: MIN_DAY, max: MAX_DAY - 1 }).map((day): Pair => [pgDate(day), pgDate(day + 1)]),
  boolean: fc.constantFrom<Pair>(['true', 'false'], ['false', 'true']),
  json: fc.jsonValue().map((value): Pair => {
    const text = JSON.stringify(value);
    return [text, `[${text}]`];
  }),
  text: fc.string({ unit: 'binary' }).map((s): Pair => [s, `${s}x`]),
};

interface Table {
  format: 'json' | 'hash' | 'string';
  kinds: Record<string, ColumnKind>;
  shape: KeyShape;
  row: Record<string, string | null>;
  mutations: Record<string, string | null>;
  styles: number[];
}

const tableArb: fc.Arbitrary<Table> = fc
  .record({
    format: fc.constantFrom('json' as const, 'hash' as const, 'string' as const),
    columns: fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 8 }),
  })
  .chain(({ format, columns }) =>
    fc
      .tuple(...columns.map((kind) => fc.tuple(pairOf[kind], fc.nat(5))), fc.array(fc.nat(1000), { minLength: 8, maxLength: 8 }))
      .map((generated): Table => {
        const styles = generated.pop() as number[];
        const values = generated as [Pair, number][];
        const table: Table = { format, kinds: {}, shape: { format: 'string', column: 'c0' }, row: {}, mutations: {}, styles };
        values.forEach(([[text, mutated], nullness], i) => {
          const column = `c${i}`;
          const kind = columns[i];
          table.kinds[column] = kind;
          // A string key's one column is never NULL; JSON null cannot be told from SQL NULL in a json key.
          const nullable = !(format === 'string' && i === 0) && !(format === 'json' && kind === 'json' && text === 'null');
          if (nullable && nullness === 1) [table.row[column], table.mutations[column]] = [null, text];
          else if (nullable && nullness === 2) [table.row[column], table.mutations[column]] = [text, null];
          else [table.row[column], table.mutations[column]] = [text, mutated];
        });
        if (format !== 'string') table.shape = { format, fields: Object.fromEntries(columns.map((_, i) => [`f${i}`, `c${i}`])) };
        return table;
      }),
  );

const ISO_STYLES = ['Z', '+00:00', '+02:00', '-05:30', ''];

/** A cached field as some application might write it, in one of several styles; undefined leaves it out. */
function appField(
  kind: ColumnKind,
  text: string | null,
  style: number,
  format: Table['format'],
): { json: string | undefined; text: string | undefined } {
  if (text === null) return { json: style % 2 === 0 ? 'null' : undefined, text: undefined };
  const asText = (value: string) => ({ json: JSON.stringify(value), text: value });
  const asNumber = (digits: string) => ({ json: digits, text: digits });
  switch (kind) {
    case 'integer':
    case 'decimal':
      return style % 2 === 0 && /^-?\d/.test(text) ? asNumber(text) : asText(text);
    case 'timestamp':
    case 'date': {
      const instant = parseIso(text);
      if (!instant) return asText(text);
      if (style % 3 === 0) return asNumber(String(epochMillis(instant.ns)));
      if (kind === 'date' && style % 3 === 1) return asText(text);
      const offset = ISO_STYLES[style % ISO_STYLES.length];
      const offsetSeconds = parseIso(`2000-01-01T00:00:00${offset}`)!.style;
      if (typeof offsetSeconds !== 'object') throw new Error('expected a date-time');
      return asText(formatIso(instant.ns, { ...offsetSeconds, separator: style % 2 ? 'T' : ' ', fractionDigits: style % 10 }));
    }
    case 'boolean':
      if (format === 'json') return { json: text, text };
      return asText(style % 2 === 0 ? text : text === 'true' ? '1' : '0');
    case 'json':
      return style % 2 === 0 ? { json: text, text } : asText(text);
    case 'text':
      return asText(text);
  }
}

/** A whole cache entry as an application might write the row, with one unmapped field. */
function appEntry(table: Table, row: Record<string, string | null>): CachedEntry {
  const { shape } = table;
  if (shape.format === 'string') {
    return { type: 'string', value: appField(table.kinds[shape.column], row[shape.column], table.styles[0], 'string').text! };
  }
  const written = Object.keys(shape.fields).map(
    (field, i) => [field, appField(table.kinds[shape.fields[field]], row[shape.fields[field]], table.styles[i], shape.format)] as const,
  );
  if (shape.format === 'hash') {
    return {
      type: 'hash',
      value: Object.fromEntries([['unmapped', 'kept'], ...written.filter(([, w]) => w.text !== undefined).map(([f, w]) => [f, w.text!])]),
    };
  }
  const members = written.filter(([, w]) => w.json !== undefined).map(([f, w]) => `${JSON.stringify(f)}:${w.json}`);
  return { type: 'string', value: `{${['"unmapped":[1.50,{"k":null}]', ...members].join(',')}}` };
}

const outcome = (table: Table, row: RowText, entry: CachedEntry) =>
  compareEntry({ shape: table.shape, kinds: table.kinds, row, entry }).outcome;

describe('renderEntry: properties over random rows', () => {
  it('renders every row so that it compares consistent', () => {
    fc.assert(
      fc.property(tableArb, (table) => {
        expect(outcome(table, table.row, asEntry(renderEntry(table.shape, table.kinds, table.row, null)))).toBe('consistent');
      }),
      { numRuns: 500 },
    );
  });

  it('is not consistent once one column changes', () => {
    fc.assert(
      fc.property(tableArb, fc.nat(), fc.boolean(), (table, pick, styled) => {
        const columns = Object.keys(table.kinds);
        const column = table.format === 'string' ? 'c0' : columns[pick % columns.length];
        const entry = asEntry(renderEntry(table.shape, table.kinds, table.row, styled ? appEntry(table, table.row) : null));
        expect(outcome(table, { ...table.row, [column]: table.mutations[column] }, entry)).not.toBe('consistent');
      }),
      { numRuns: 500 },
    );
  });

  it('reads applications writing in various styles as consistent, and renders another row in the same styles', () => {
    fc.assert(
      fc.property(tableArb, (table) => {
        const observed = appEntry(table, table.row);
        expect(outcome(table, table.row, observed)).toBe('consistent');
        // Render the mutated row, whose columns have the same kinds, mimicking the observed entry.
        const next = Object.fromEntries(Object.keys(table.row).map((c) => [c, table.mutations[c] ?? table.row[c]]));
        if (table.format === 'string' && next.c0 === null) return;
        const rendered = renderEntry(table.shape, table.kinds, next, observed);
        expect(outcome(table, next, asEntry(rendered))).toBe('consistent');
        if (typeof rendered === 'string' && table.format === 'json') {
          const before = parseCachedJson((observed as { value: string }).value) as Record<string, unknown>;
          const after = parseCachedJson(rendered) as Record<string, unknown>;
          expect(jsonEquals(after.unmapped, before.unmapped)).toBe(true);
          for (const field of Object.keys(before)) {
            const column = (table.shape as { fields: Record<string, string> }).fields[field];
            const [was, now] = [table.row[column], next[column]];
            if (column === undefined || was === null || now === null || /^-?infinity$|NaN/.test(`${was} ${now}`)) continue;
            // Same JSON type as the application used: number stays number, string stays string, object stays object.
            const typeOf = (v: unknown) => (isJsonObject(v) ? 'object' : Array.isArray(v) ? 'array' : typeof v);
            if (table.kinds[column] !== 'json') expect([field, typeOf(after[field])]).toEqual([field, typeOf(before[field])]);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
