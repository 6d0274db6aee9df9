import fc from 'fast-check';
import { isLosslessNumber } from 'lossless-json';
import { jsonEquals, JsonTooDeepError, parseCachedJson, stringifyJson, toPlainJson } from './json-value';

/** Nested arrays `depth` deep around a value, built without recursion. */
function nested(depth: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('parseCachedJson', () => {
  it('keeps every number as its exact text', () => {
    const parsed = parseCachedJson('{"big":9007199254740993,"dec":12.50,"exp":1e2}') as Record<string, unknown>;
    for (const value of Object.values(parsed)) expect(isLosslessNumber(value)).toBe(true);
    expect(String(parsed.big)).toBe('9007199254740993');
    expect(String(parsed.dec)).toBe('12.50');
  });

  it('compares by value (exact = false) with the native parser unless a number may not fit a double', () => {
    const uuid = '6f1c1a8e-1d2b-4c3d-9e41-000000000001'; // `8e-1` and `9e41` inside a string
    const native = parseCachedJson(`{"id":"${uuid}","n":12.5,"s":"1e5, 12345678901234567"}`, false) as Record<string, unknown>;
    expect(native).toEqual({ id: uuid, n: 12.5, s: '1e5, 12345678901234567' });
    expect(typeof native.n).toBe('number');
    for (const text of [`{"id":"${uuid}","n":1e5}`, '{"n":12345678901234567}', '[1E-7]', '{"a":"x","n":0.1000000000000000055}', '2e3']) {
      const parsed = parseCachedJson(text, false);
      const values = isLosslessNumber(parsed) ? [parsed] : Object.values(parsed as object);
      expect(values.some((v) => isLosslessNumber(v))).toBe(true);
    }
  });

  it('keeps the last of repeated keys, as JSON.parse does', () => {
    expect(toPlainJson(parseCachedJson('{"a":1,"a":2}'))).toEqual({ a: 2 });
  });

  it.each(['', 'not json', '{"a":1', "{'a':1}", '{"a":1,}', '[1,]', 'NaN', '01', '"\u0001"'])('throws a SyntaxError on %p', (text) => {
    expect(() => parseCachedJson(text)).toThrow(SyntaxError);
  });

  it('does not pollute prototypes with __proto__ or constructor keys', () => {
    const parsed = parseCachedJson('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'constructor']);
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports JSON nested beyond the parser as a JsonTooDeepError (a SyntaxError), not a RangeError', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(() => parseCachedJson(deep)).toThrow(JsonTooDeepError);
    expect(() => parseCachedJson(deep)).toThrow(SyntaxError);
  });
});

describe('jsonEquals', () => {
  const j = parseCachedJson;

  it.each([
    ['{"a":1,"b":[1,2]}', '{"b":[1,2],"a":1}'],
    ['{"n":1.0}', '{"n":1}'],
    ['[1e2]', '[100]'],
    ['{"__proto__":{"x":1}}', '{"__proto__":{"x":1}}'],
    ['{"constructor":1,"valueOf":2}', '{"valueOf":2,"constructor":1}'],
    ['null', 'null'],
    ['"s"', '"s"'],
  ])('%s equals %s', (a, b) => expect(jsonEquals(j(a), j(b))).toBe(true));

  it.each([
    ['[1,2]', '[2,1]'],
    ['{"n":9007199254740993}', '{"n":9007199254740992}'],
    ['{"a":1}', '{"a":1,"b":2}'],
    ['{"a":1,"b":2}', '{"a":1,"c":2}'],
    ['{"a":"1"}', '{"a":1}'],
    ['{"__proto__":{"x":1}}', '{}'],
    ['{"__proto__":{"x":1}}', '{"__proto__":{"x":2}}'],
    ['{"constructor":1}', '{}'],
    ['{}', '{"constructor":1}'],
    ['{"valueOf":null}', '{}'],
    ['{}', '[]'],
    ['[]', '{}'],
    ['null', '{}'],
    ['0', 'false'],
    ['""', 'null'],
  ])('%s does not equal %s', (a, b) => {
    expect(jsonEquals(j(a), j(b))).toBe(false);
    expect(jsonEquals(j(b), j(a))).toBe(false);
  });

  it('compares plain numbers with lossless ones exactly', () => {
    expect(jsonEquals(j('[0.1]'), [0.1])).toBe(true);
    expect(jsonEquals(j('[9007199254740993]'), [9007199254740992])).toBe(false);
  });

  it('walks values nested far deeper than the call stack without a RangeError', () => {
    expect(jsonEquals(nested(100_000), nested(100_000))).toBe(true);
    expect(jsonEquals(nested(100_000, 1), nested(100_000, 2))).toBe(false);
  });

  it('agrees with JSON equality on random values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(jsonEquals(j(text), j(text))).toBe(true);
        expect(jsonEquals(j(text), j(`[${text}]`))).toBe(false);
      }),
    );
  });
});

describe('toPlainJson and stringifyJson', () => {
  it('turns lossless numbers into plain numbers only when a double holds them exactly', () => {
    expect(toPlainJson(parseCachedJson('{"a":12.50,"b":9007199254740993,"c":[true,null,"x"]}'))).toEqual({
      a: 12.5,
      b: '9007199254740993',
      c: [true, null, 'x'],
    });
  });

  it('keeps __proto__ as an own key', () => {
    const plain = toPlainJson(parseCachedJson('{"__proto__":{"x":1}}')) as object;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(JSON.stringify(plain)).toBe('{"__proto__":{"x":1}}');
  });

  it('writes numbers with their exact text', () => {
    const text = '{"a":12.50,"b":9007199254740993,"c":[1e2,-0],"d":{"__proto__":"p"},"e":"\\u2028\\n","f":[],"g":{}}';
    expect(stringifyJson(parseCachedJson(text))).toBe(text.replace('\\u2028', '\u2028'));
  });

  it('round-trips random JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(stringifyJson(parseCachedJson(text))).toBe(text);
      }),
    );
  });

  it('handles deep values without a RangeError', () => {
    expect(stringifyJson(nested(100_000))).toBe('['.repeat(100_000) + '1' + ']'.repeat(100_000));
    // Past maxDepth a subtree is given as its JSON text, so that JSON.stringify (which recurses) can write the copy.
    expect(toPlainJson(nested(3), 2)).toEqual([['[1]']]);
    expect(() => JSON.stringify(toPlainJson(nested(100_000)))).not.toThrow();
  });
});
