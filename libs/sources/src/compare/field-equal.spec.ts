import type { ColumnKind } from './column-kind';
import type { KeyFormat } from './entry-types';
import { fieldEquals } from './field-equal';
import { parseCachedJson } from './json-value';

/** A value as it sits in a parsed json-format entry. */
const j = (text: string): unknown => parseCachedJson(text);
const ms = (iso: string) => Date.parse(iso);

type Case = [label: string, kind: ColumnKind, db: string | null, cached: unknown, format: KeyFormat];

/** Each rule: cases that must match, then cases that must not. */
function rule(name: string, matches: Case[], differs: Case[]): void {
  describe(name, () => {
    it.each(matches)('%s: equal', (_label, kind, db, cached, format) => expect(fieldEquals(kind, db, cached, format)).toBe(true));
    it.each(differs)('%s: not equal', (_label, kind, db, cached, format) => expect(fieldEquals(kind, db, cached, format)).toBe(false));
  });
}

rule(
  'NULL',
  [
    ['hash field absent', 'text', null, undefined, 'hash'],
    ['json key absent', 'integer', null, undefined, 'json'],
    ['json null', 'timestamp', null, j('null'), 'json'],
    ['json null, json column', 'json', null, j('null'), 'json'],
  ],
  [
    ['empty text for NULL', 'text', null, '', 'hash'],
    ['"null" text for NULL', 'text', null, 'null', 'string'],
    ['0 for NULL', 'integer', null, j('0'), 'json'],
    ['false for NULL', 'boolean', null, j('false'), 'json'],
    ['{} for NULL', 'json', null, j('{}'), 'json'],
    ['absent for a value', 'text', 'x', undefined, 'hash'],
    ['null for a value', 'integer', '0', j('null'), 'json'],
    ['null for an empty text', 'text', '', j('null'), 'json'],
    ['absent for JSON null (not SQL NULL)', 'json', 'null', undefined, 'json'],
  ],
);

rule(
  'integer and decimal',
  [
    ['numeric string, trailing zero', 'decimal', '12.5', j('"12.50"'), 'json'],
    ['JSON number, trailing zero', 'decimal', '12.50', j('12.5'), 'json'],
    ['exponent', 'integer', '100', j('1e2'), 'json'],
    ['exponent as text', 'integer', '100', '1E+2', 'hash'],
    ['negative zero', 'integer', '0', j('-0'), 'json'],
    ['negative decimal', 'decimal', '-0.001', '-1e-3', 'string'],
    ['bigint as JSON number', 'integer', '9007199254740993', j('9007199254740993'), 'json'],
    ['bigint as string', 'integer', '-9223372036854775808', j('"-9223372036854775808"'), 'json'],
    ['float text', 'decimal', '0.1', j('0.1'), 'json'],
    ['float exponent text', 'decimal', '1e+21', j('1e21'), 'json'],
    ['NaN as text', 'decimal', 'NaN', 'NaN', 'hash'],
    ['NaN as JSON string', 'decimal', 'NaN', j('"NaN"'), 'json'],
    ['-Infinity as JSON string', 'decimal', '-Infinity', j('"-Infinity"'), 'json'],
  ],
  [
    ['bigint through a float', 'integer', '9007199254740993', j('9007199254740992'), 'json'],
    ['bigint text off by one', 'integer', '9007199254740993', '9007199254740992', 'hash'],
    ['float sum', 'decimal', '0.3', j('0.30000000000000004'), 'json'],
    ['other number', 'decimal', '12.5', j('12.51'), 'json'],
    ['non-numeric text', 'integer', '12', 'twelve', 'hash'],
    ['empty text', 'integer', '0', '', 'hash'],
    ['padded text', 'integer', '12', ' 12', 'string'],
    ['boolean', 'integer', '1', j('true'), 'json'],
    ['array', 'integer', '1', j('[1]'), 'json'],
    ['object', 'integer', '1', j('{"value":1}'), 'json'],
    ['NaN in other case', 'decimal', 'NaN', 'nan', 'hash'],
    ['Infinity as a huge number', 'decimal', 'Infinity', j('1e999'), 'json'],
    ['Infinity for -Infinity', 'decimal', '-Infinity', 'Infinity', 'hash'],
    ['a number for NaN', 'decimal', 'NaN', j('0'), 'json'],
  ],
);

const DB_TS = '2026-11-27T23:18:24.123456+00:00';
const DB_TS_ROUNDS_UP = '2026-11-27T23:18:24.123556+00:00';
rule(
  'timestamp',
  [
    ['ISO ms, truncated (JS Date)', 'timestamp', DB_TS, '2026-11-27T23:18:24.123Z', 'json'],
    ['ISO ms, rounded up', 'timestamp', DB_TS_ROUNDS_UP, '2026-11-27T23:18:24.124Z', 'hash'],
    ['ISO ms, truncated when rounding would go up', 'timestamp', DB_TS_ROUNDS_UP, '2026-11-27T23:18:24.123Z', 'hash'],
    ['ISO µs, same text', 'timestamp', DB_TS, DB_TS, 'string'],
    ['ISO µs, other offset', 'timestamp', DB_TS, '2026-11-28T01:18:24.123456+02:00', 'json'],
    ['ISO, no offset = UTC', 'timestamp', DB_TS, '2026-11-27T23:18:24.123456', 'json'],
    ['ISO, space separator', 'timestamp', DB_TS, '2026-11-27 23:18:24.123456Z', 'hash'],
    ['ISO, whole seconds', 'timestamp', DB_TS, '2026-11-27T23:18:24Z', 'json'],
    ['ISO, nanoseconds', 'timestamp', DB_TS, '2026-11-27T23:18:24.123456000Z', 'json'],
    ['epoch ms as JSON number', 'timestamp', DB_TS, j(String(ms('2026-11-27T23:18:24.123Z'))), 'json'],
    ['epoch ms as hash text', 'timestamp', DB_TS, String(ms('2026-11-27T23:18:24.123Z')), 'hash'],
    ['epoch ms as string value', 'timestamp', DB_TS, String(ms('2026-11-27T23:18:24.123Z')), 'string'],
    ['timestamp without time zone read as UTC', 'timestamp', '2026-11-27T23:18:24.123456', '2026-11-27T23:18:24.123Z', 'json'],
    ['whole-second DB text', 'timestamp', '2026-11-27T23:18:24+00:00', '2026-11-27T23:18:24.000Z', 'json'],
    ['India offset in DB text', 'timestamp', '2026-11-28T04:48:24.123456+05:30', '2026-11-27T23:18:24.123Z', 'json'],
    ['infinity', 'timestamp', 'infinity', 'infinity', 'hash'],
    ['-infinity', 'timestamp', '-infinity', j('"-infinity"'), 'json'],
    ['before 1970', 'timestamp', '1969-12-31T23:59:59.999500+00:00', '1969-12-31T23:59:59.999Z', 'json'],
  ],
  [
    ['one ms later', 'timestamp', DB_TS, '2026-11-27T23:18:24.124Z', 'json'],
    ['one ms earlier', 'timestamp', DB_TS, '2026-11-27T23:18:24.122Z', 'json'],
    ['µs off', 'timestamp', DB_TS, '2026-11-27T23:18:24.123457Z', 'json'],
    ['nanoseconds off', 'timestamp', DB_TS, '2026-11-27T23:18:24.123456001Z', 'json'],
    ['wrong offset', 'timestamp', DB_TS, '2026-11-27T23:18:24.123+01:00', 'json'],
    ['local time without offset', 'timestamp', DB_TS, '2026-11-28T00:18:24.123', 'json'],
    ['epoch ms off by one', 'timestamp', DB_TS, j(String(ms('2026-11-27T23:18:24.123Z') + 1)), 'json'],
    ['epoch seconds', 'timestamp', DB_TS, j(String(Math.floor(ms(DB_TS) / 1000))), 'json'],
    ['epoch ms as a JSON string', 'timestamp', DB_TS, j(`"${ms('2026-11-27T23:18:24.123Z')}"`), 'json'],
    ['bare date', 'timestamp', '2026-11-27T00:00:00+00:00', '2026-11-27', 'json'],
    ['impossible date', 'timestamp', '2026-02-28T00:00:00+00:00', '2026-02-29T00:00:00Z', 'json'],
    ['not a time', 'timestamp', DB_TS, 'yesterday', 'hash'],
    ['boolean', 'timestamp', DB_TS, j('true'), 'json'],
    ['infinity for -infinity', 'timestamp', '-infinity', 'infinity', 'hash'],
    ['a time for infinity', 'timestamp', 'infinity', '2026-11-27T23:18:24.123Z', 'json'],
    ['Infinity spelled as JS', 'timestamp', 'infinity', 'Infinity', 'hash'],
  ],
);

rule(
  'date',
  [
    ['same date', 'date', '2026-11-27', '2026-11-27', 'hash'],
    ['midnight UTC, ISO', 'date', '2026-11-27', '2026-11-27T00:00:00.000Z', 'json'],
    ['midnight UTC, other offset', 'date', '2026-11-27', '2026-11-27T02:00:00+02:00', 'json'],
    ['midnight UTC, epoch ms', 'date', '2026-11-27', j(String(ms('2026-11-27T00:00:00Z'))), 'json'],
    ['midnight UTC, epoch ms text', 'date', '2026-11-27', String(ms('2026-11-27T00:00:00Z')), 'string'],
    ['BC date', 'date', '0044-03-15 BC', '-000043-03-15', 'json'],
    ['infinity', 'date', 'infinity', 'infinity', 'json'],
  ],
  [
    ['next day', 'date', '2026-11-27', '2026-11-28', 'hash'],
    ['local midnight east of UTC', 'date', '2026-11-27', '2026-11-26T23:00:00.000Z', 'json'],
    ['midnight elsewhere', 'date', '2026-11-27', '2026-11-27T00:00:00+01:00', 'json'],
    ['noon', 'date', '2026-11-27', '2026-11-27T12:00:00Z', 'json'],
    ['epoch ms at noon', 'date', '2026-11-27', j(String(ms('2026-11-27T12:00:00Z'))), 'json'],
    ['other format', 'date', '2026-11-27', '27/11/2026', 'hash'],
    ['-infinity for infinity', 'date', 'infinity', '-infinity', 'hash'],
  ],
);

rule(
  'boolean',
  [
    ['JSON true', 'boolean', 'true', j('true'), 'json'],
    ['JSON false', 'boolean', 'false', j('false'), 'json'],
    ['hash "true"', 'boolean', 'true', 'true', 'hash'],
    ['hash "1"', 'boolean', 'true', '1', 'hash'],
    ['hash "false"', 'boolean', 'false', 'false', 'hash'],
    ['hash "0"', 'boolean', 'false', '0', 'hash'],
    ['string "1"', 'boolean', 'true', '1', 'string'],
    ['string "false"', 'boolean', 'false', 'false', 'string'],
  ],
  [
    ['JSON "true" string', 'boolean', 'true', j('"true"'), 'json'],
    ['JSON 1', 'boolean', 'true', j('1'), 'json'],
    ['JSON 0', 'boolean', 'false', j('0'), 'json'],
    ['JSON false for true', 'boolean', 'true', j('false'), 'json'],
    ['hash "0" for true', 'boolean', 'true', '0', 'hash'],
    ['hash "1" for false', 'boolean', 'false', '1', 'hash'],
    ['hash "TRUE"', 'boolean', 'true', 'TRUE', 'hash'],
    ['hash "t"', 'boolean', 'true', 't', 'hash'],
    ['hash "yes"', 'boolean', 'true', 'yes', 'hash'],
    ['hash ""', 'boolean', 'false', '', 'hash'],
  ],
);

rule(
  'json',
  [
    ['object, keys in another order', 'json', '{"a": 1, "b": [1, 2]}', j('{"b":[1,2],"a":1}'), 'json'],
    ['object as JSON text in a string', 'json', '{"a": 1, "b": [1, 2]}', j('"{\\"b\\":[1,2],\\"a\\":1}"'), 'json'],
    ['object as hash text', 'json', '{"a": 1}', '{ "a" : 1 }', 'hash'],
    ['array as string value', 'json', '[1, 2, 3]', '[1,2,3]', 'string'],
    ['numbers as exact decimals', 'json', '{"n": 1.0, "m": 9007199254740993}', j('{"n":1,"m":9007199254740993}'), 'json'],
    ['JSON string value', 'json', '"hello"', j('"hello"'), 'json'],
    ['JSON string as text', 'json', '"hello"', '"hello"', 'hash'],
    ['JSON number', 'json', '5', j('5'), 'json'],
    ['JSON number held as text in a string', 'json', '5', j('"5"'), 'json'],
    ['JSON null column value', 'json', 'null', j('null'), 'json'],
    ['JSON true', 'json', 'true', j('true'), 'json'],
    ['__proto__ key', 'json', '{"__proto__": {"x": 1}}', j('{"__proto__":{"x":1}}'), 'json'],
    ['constructor and valueOf keys', 'json', '{"constructor": 1, "valueOf": 2}', j('{"valueOf":2,"constructor":1}'), 'json'],
    ['array column from to_json', 'json', '["a","b"]', j('["a","b"]'), 'json'],
  ],
  [
    ['array order', 'json', '[1, 2]', j('[2,1]'), 'json'],
    ['bigint inside', 'json', '{"n": 9007199254740993}', j('{"n":9007199254740992}'), 'json'],
    ['extra key', 'json', '{"a": 1}', j('{"a":1,"b":2}'), 'json'],
    ['missing key', 'json', '{"a": 1, "b": 2}', j('{"a":1}'), 'json'],
    ['number as string inside', 'json', '{"a": 1}', j('{"a":"1"}'), 'json'],
    ['__proto__ key missing', 'json', '{"__proto__": {"x": 1}}', j('{}'), 'json'],
    ['__proto__ key differing', 'json', '{"__proto__": {"x": 1}}', j('{"__proto__":{"x":2}}'), 'json'],
    ['constructor key missing', 'json', '{"constructor": 1}', j('{}'), 'json'],
    ['constructor key only in cache', 'json', '{}', j('{"constructor":1}'), 'json'],
    ['not JSON text', 'json', '{"a": 1}', '{a:1}', 'hash'],
    ['JSON text of another value', 'json', '{"a": 1}', '{"a":2}', 'string'],
    ['JSON null for an object', 'json', '{}', j('null'), 'json'],
  ],
);

rule(
  'text',
  [
    ['same text', 'text', 'abc', 'abc', 'hash'],
    ['same JSON string', 'text', 'abc', j('"abc"'), 'json'],
    ['empty text', 'text', '', '', 'hash'],
    ['numeric text held as string', 'text', '123', j('"123"'), 'json'],
    ['unicode', 'text', 'naïve ☕', j('"na\\u00efve \\u2615"'), 'json'],
  ],
  [
    ['other text', 'text', 'abc', 'abd', 'hash'],
    ['case', 'text', 'f47ac10b-58cc-4372-a567-0e02b2c3d479', 'F47AC10B-58CC-4372-A567-0E02B2C3D479', 'hash'],
    ['trailing space', 'text', 'abc', 'abc ', 'string'],
    ['JSON number for numeric text', 'text', '123', j('123'), 'json'],
    ['JSON boolean for "true"', 'text', 'true', j('true'), 'json'],
    ['object', 'text', '{}', j('{}'), 'json'],
  ],
);

describe('deeply nested json', () => {
  const deep = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);

  it('compares values nested as deep as the parser reads without a RangeError', () => {
    expect(fieldEquals('json', deep(2_000), j(deep(2_000)), 'json')).toBe(true);
    expect(fieldEquals('json', deep(2_000), j(deep(1_999)), 'json')).toBe(false);
  });

  it('compares text too deep for the parser by its exact text, without throwing', () => {
    expect(fieldEquals('json', deep(10_000), deep(10_000), 'hash')).toBe(true);
    expect(fieldEquals('json', deep(10_000), deep(9_999), 'hash')).toBe(false);
    expect(fieldEquals('json', deep(10_000), '[1]', 'hash')).toBe(false);
    expect(fieldEquals('json', '[1]', deep(10_000), 'string')).toBe(false);
  });
});
