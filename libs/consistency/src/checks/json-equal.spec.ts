import { jsonEqual } from './json-equal';

const MEMBER_NAMES = [
  'valueOf',
  'toString',
  'constructor',
  'hasOwnProperty',
  'isPrototypeOf',
  '__proto__',
  'prototype',
  '__defineGetter__',
];

describe('jsonEqual', () => {
  it('compares objects by own keys in any order, arrays by position, scalars by value', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({ length: 0 }, [])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual('1', 1)).toBe(false);
    expect(jsonEqual(true, true)).toBe(true);
  });

  it.each(MEMBER_NAMES)('treats a %s key as data, never calling it', (key) => {
    const one = JSON.parse(`{"${key}": {"a": 1}, "nested": {"${key}": 1}}`);
    const same = JSON.parse(`{"nested": {"${key}": 1}, "${key}": {"a": 1}}`);
    const other = JSON.parse(`{"${key}": {"a": 2}, "nested": {"${key}": 1}}`);
    expect(jsonEqual(one, same)).toBe(true);
    expect(jsonEqual(one, other)).toBe(false);
    expect(jsonEqual(JSON.parse(`{"${key}": 1}`), {})).toBe(false);
  });

  it('handles nesting deeper than the call stack', () => {
    const deep = (n: number, leaf: number) => JSON.parse('['.repeat(n) + leaf + ']'.repeat(n));
    expect(jsonEqual(deep(50_000, 1), deep(50_000, 1))).toBe(true);
    expect(jsonEqual(deep(50_000, 1), deep(50_000, 2))).toBe(false);
  });
});
