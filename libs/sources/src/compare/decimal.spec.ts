import fc from 'fast-check';
import { canonicalDecimal, compareDecimal, decimalEquals, decimalToBigInt, fitsDouble, parseDecimal } from './decimal';

describe('decimal', () => {
  it.each([
    ['12.50', '12.5'],
    ['1e2', '100'],
    ['1E+2', '100.000'],
    ['-0', '0'],
    ['-0.0e5', '0'],
    ['0.001', '1e-3'],
    ['-1.5e3', '-1500'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['+7', '7'],
    ['000123.4500', '123.45'],
    ['9007199254740993', '9007199254740993.0'],
  ])('%p equals %p', (a, b) => {
    expect(decimalEquals(a, b)).toBe(true);
    expect(decimalEquals(b, a)).toBe(true);
  });

  it.each([
    ['9007199254740993', '9007199254740992'],
    ['0.1', '0.10000000000000001'],
    ['1', '-1'],
    ['12.5', '125'],
    ['1e2', '1e3'],
    ['12.5', 'abc'],
    ['', ''],
    ['.', '.'],
    ['1e', '1e'],
    [' 1', '1'],
    ['1_000', '1000'],
    ['0x10', '16'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
  ])('%p does not equal %p', (a, b) => expect(decimalEquals(a, b)).toBe(false));

  it('reads a decimal into sign, digits and exponent', () => {
    expect(parseDecimal('-0.00120e3')).toEqual({ negative: true, digits: '12', exponent: 1 });
    expect(parseDecimal('0')).toEqual({ negative: false, digits: '', exponent: 0 });
    expect(canonicalDecimal('1.25e1')).toBe(canonicalDecimal('12.50'));
  });

  it('orders decimals exactly', () => {
    const order = (a: string, b: string) => compareDecimal(parseDecimal(a)!, parseDecimal(b)!);
    expect(order('9', '10')).toBe(-1);
    expect(order('10', '9')).toBe(1);
    expect(order('-10', '-9')).toBe(-1);
    expect(order('-0', '0')).toBe(0);
    expect(order('0', '-1')).toBe(1);
    expect(order('9007199254740993', '9007199254740992')).toBe(1);
    expect(order('1.10', '1.1')).toBe(0);
    expect(order('1.09', '1.1')).toBe(-1);
    expect(order('-1.09', '-1.1')).toBe(1);
  });

  it('orders like BigInt on integers', () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt(), (a, b) => {
        expect(compareDecimal(parseDecimal(String(a))!, parseDecimal(String(b))!)).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  it('equals a double written by JavaScript when the texts are the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(decimalEquals(String(value), value.toExponential())).toBe(true);
      }),
    );
  });

  it('gives the exact integer of a decimal text', () => {
    expect(decimalToBigInt('1.5e3')).toBe(1500n);
    expect(decimalToBigInt('-9007199254740993')).toBe(-9007199254740993n);
    expect(decimalToBigInt('0.0')).toBe(0n);
    expect(decimalToBigInt('1.5')).toBeNull();
    expect(decimalToBigInt('1e40')).toBeNull();
    expect(decimalToBigInt('x')).toBeNull();
  });

  it('tells which decimals a double holds exactly', () => {
    expect(fitsDouble('12.50')).toBe(true);
    expect(fitsDouble('0.1')).toBe(true);
    expect(fitsDouble('9007199254740992')).toBe(true);
    expect(fitsDouble('9007199254740993')).toBe(false);
    expect(fitsDouble('0.10000000000000001')).toBe(false);
    expect(fitsDouble('1e400')).toBe(false);
    expect(fitsDouble('NaN')).toBe(false);
  });
});
