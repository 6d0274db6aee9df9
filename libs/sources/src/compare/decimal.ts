/**
 * Exact decimals on their text: numbers are never passed through a float, so 9007199254740993 stays distinct from
 * 9007199254740992 and 0.1 is exactly one tenth.
 */

/** value = ±0.digits × 10^exponent, with no leading or trailing zeros in digits; zero has digits ''. */
export interface Decimal {
  negative: boolean;
  digits: string;
  exponent: number;
}

// Optional sign, digits with an optional point (at least one digit somewhere), optional exponent. The exponent's
// length is capped so that exponent arithmetic stays within safe integers.
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,15}))?$/;

/** PostgreSQL's numeric and float specials, which equal only the same text. */
export const SPECIAL_NUMBERS: ReadonlySet<string> = new Set(['NaN', 'Infinity', '-Infinity']);

/** Reads a decimal number's text ('12.50', '-1e2', '.5', '+3'); null when it is not one. */
export function parseDecimal(text: string): Decimal | null {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return null;
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  if (whole.length === 0 && fraction.length === 0) return null;
  const all = whole + fraction;
  const first = all.search(/[1-9]/);
  if (first < 0) return { negative: false, digits: '', exponent: 0 };
  const digits = all.slice(first).replace(/0+$/, '');
  // 0.digits × 10^exponent: the point sits after `whole`, moved by the exponent and by the leading zeros removed.
  return { negative: sign === '-', digits, exponent: whole.length - first + Number(exponentText) };
}

/** One text per number: '12.50', '12.5' and '1.25e1' all read '0.125e2'; every zero reads '0'. */
export function canonicalDecimal(text: string): string | null {
  const decimal = parseDecimal(text);
  if (!decimal) return null;
  return decimal.digits === '' ? '0' : `${decimal.negative ? '-' : ''}0.${decimal.digits}e${decimal.exponent}`;
}

/** True when both texts are numbers with the same exact value. */
export function decimalEquals(a: string, b: string): boolean {
  const left = canonicalDecimal(a);
  return left !== null && left === canonicalDecimal(b);
}

function signOf(decimal: Decimal): -1 | 0 | 1 {
  if (decimal.digits === '') return 0;
  return decimal.negative ? -1 : 1;
}

/** Exact order of two decimals. */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const signA = signOf(a);
  const signB = signOf(b);
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  let magnitude: -1 | 0 | 1;
  if (a.exponent !== b.exponent) {
    magnitude = a.exponent < b.exponent ? -1 : 1;
  } else {
    const width = Math.max(a.digits.length, b.digits.length);
    const left = a.digits.padEnd(width, '0');
    const right = b.digits.padEnd(width, '0');
    magnitude = left === right ? 0 : left < right ? -1 : 1;
  }
  return signA < 0 ? ((-magnitude || 0) as -1 | 0 | 1) : magnitude;
}

/** The exact integer a decimal text denotes ('1.5e3' -> 1500n); null when it is not an integer or has more than maxDigits digits. */
export function decimalToBigInt(text: string, maxDigits = 30): bigint | null {
  const decimal = parseDecimal(text);
  if (!decimal) return null;
  if (decimal.digits === '') return 0n;
  if (decimal.exponent < decimal.digits.length || decimal.exponent > maxDigits) return null;
  const magnitude = BigInt(decimal.digits + '0'.repeat(decimal.exponent - decimal.digits.length));
  return decimal.negative ? -magnitude : magnitude;
}

/** True when a decimal survives a trip through a double unchanged, so writing it as a plain JSON number is safe for any reader. */
export function fitsDouble(text: string): boolean {
  const decimal = parseDecimal(text);
  if (!decimal) return false;
  const asDouble = Number(text);
  return Number.isFinite(asDouble) && decimalEquals(String(asDouble), text);
}
