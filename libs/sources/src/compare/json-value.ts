import { isLosslessNumber, parse } from 'lossless-json';
import { decimalEquals, fitsDouble } from './decimal';

/**
 * JSON values as parseCachedJson gives them: numbers are LosslessNumbers, objects are plain objects whose keys may
 * be anything ('__proto__', 'constructor', 'valueOf'). Everything here walks them with own keys only and without
 * recursion, because cached values can be nested far deeper than the call stack allows.
 */

/** Thrown by parseCachedJson for JSON nested deeper than lossless-json's recursive parser can follow. */
export class JsonTooDeepError extends SyntaxError {
  constructor() {
    super('JSON nested too deeply to read');
    this.name = 'JsonTooDeepError';
  }
}

/**
 * Whether some number in a JSON text has 16 digits in a row or an exponent, the spellings a double may
 * not hold exactly. One pass over the characters, skipping strings (a uuid's `8e-1` or a long id in a
 * string is not a number): a regular expression doing the same cost as much as the parse itself.
 */
function hasInexactNumber(text: string): boolean {
  let run = 0; // digits and points in a row, outside strings
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, past escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      run = 0;
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2e) {
      if (++run >= 16) return true;
    } else if ((c === 0x65 || c === 0x45) && run > 0) {
      return true;
    } else {
      run = 0;
    }
  }
  return false;
}

/**
 * JSON.parse that keeps every number's exact text (unless `exact` is false, see the fast path) (a LosslessNumber). A repeated key keeps its last value, as
 * JSON.parse and jsonb do (lossless-json would throw). Throws a SyntaxError on invalid JSON.
 */
export function parseCachedJson(text: string, exact = true): unknown {
  // Comparing needs each number's value, not its spelling: a text without 16 digits in a row or an
  // exponent holds only numbers a double keeps decimal-equal, and the native parser is several times
  // faster. Rendering (`exact`) keeps the spelling, `12.50` as written.
  if (!exact && !hasInexactNumber(text)) return JSON.parse(text);
  try {
    return parse(text, null, { onDuplicateKey: ({ newValue }) => newValue });
  } catch (err) {
    // lossless-json recurses once per nesting level; a stack overflow means the text is too deep, not that it is bad.
    if (err instanceof RangeError) throw new JsonTooDeepError();
    throw err;
  }
}

const UNREADABLE: unique symbol = Symbol('unreadable JSON');

/** parseCachedJson, or UNREADABLE instead of throwing. */
export function tryParseJson(text: string, exact = true): unknown {
  try {
    return parseCachedJson(text, exact);
  } catch {
    return UNREADABLE;
  }
}

export function isUnreadable(value: unknown): value is typeof UNREADABLE {
  return value === UNREADABLE;
}

/** A plain JSON object (not an array, not a number, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/** The exact text of a JSON number: a LosslessNumber, or a plain number or bigint from other callers; else null. */
export function numberText(value: unknown): string | null {
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'bigint') return String(value);
  return null;
}

/** Sets an own property, even '__proto__' (plain assignment would change the prototype instead). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Deep equality of JSON values: objects by own keys in any order, arrays in order, numbers as exact decimals. */
export function jsonEquals(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    const [left, right] = pair;
    if (left === right) continue;
    // Two doubles from the native parser's fast path (parseCachedJson): equal values are the same double.
    if (typeof left === 'number' && typeof right === 'number') return false;
    const leftNumber = numberText(left);
    if (leftNumber !== null) {
      const rightNumber = numberText(right);
      if (rightNumber === null || !decimalEquals(leftNumber, rightNumber)) return false;
    } else if (Array.isArray(left)) {
      if (!Array.isArray(right) || left.length !== right.length) return false;
      for (let i = 0; i < left.length; i++) pending.push([left[i], right[i]]);
    } else if (isJsonObject(left)) {
      if (!isJsonObject(right)) return false;
      const keys = Object.keys(left);
      if (keys.length !== Object.keys(right).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(right, key)) return false;
        pending.push([left[key], right[key]]);
      }
    } else {
      // Strings, booleans and null are equal only when identical, which `left === right` has ruled out.
      return false;
    }
  }
  return true;
}

/**
 * A copy that JSON.stringify renders faithfully: LosslessNumbers become plain numbers when a double holds them
 * exactly, else their digits as a string (a plain number would silently round). JSON.stringify itself recurses, so
 * arrays and objects deeper than `maxDepth` are given as their JSON text instead.
 */
export function toPlainJson(value: unknown, maxDepth = 256): unknown {
  const root: Record<string, unknown> = {};
  const pending: { source: unknown; target: Record<string, unknown> | unknown[]; key: string | number; depth: number }[] = [
    { source: value, target: root, key: 'value', depth: 0 },
  ];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { source, target, key, depth } = item;
    let copy: unknown;
    if ((Array.isArray(source) || isJsonObject(source)) && depth >= maxDepth) {
      copy = stringifyJson(source);
    } else if (Array.isArray(source)) {
      const array: unknown[] = new Array<unknown>(source.length).fill(null);
      for (let i = 0; i < source.length; i++) pending.push({ source: source[i], target: array, key: i, depth: depth + 1 });
      copy = array;
    } else if (isJsonObject(source)) {
      const object: Record<string, unknown> = {};
      for (const childKey of Object.keys(source)) {
        pending.push({ source: source[childKey], target: object, key: childKey, depth: depth + 1 });
      }
      copy = object;
    } else {
      const text = numberText(source);
      if (text !== null) copy = fitsDouble(text) ? Number(text) : text;
      else copy = typeof source === 'string' || typeof source === 'boolean' ? source : null;
    }
    if (Array.isArray(target)) target[key as number] = copy;
    else setOwn(target, String(key), copy);
  }
  return root.value;
}

/** JSON text of a JSON value, numbers with their exact text. Iterative: lossless-json's stringify recurses. */
export function stringifyJson(value: unknown): string {
  const out: string[] = [];
  // Each entry is either a value still to write or a piece of punctuation to emit as is.
  const pending: ({ value: unknown } | string)[] = [{ value }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const current = item.value;
    const text = numberText(current);
    if (text !== null) {
      out.push(text);
    } else if (Array.isArray(current)) {
      // Pushed in reverse so that they pop in order.
      pending.push(']');
      for (let i = current.length - 1; i >= 0; i--) {
        pending.push({ value: current[i] });
        if (i > 0) pending.push(',');
      }
      out.push('[');
    } else if (isJsonObject(current)) {
      const keys = Object.keys(current);
      pending.push('}');
      for (let i = keys.length - 1; i >= 0; i--) {
        pending.push({ value: current[keys[i]] });
        pending.push(`${JSON.stringify(keys[i])}:`);
        if (i > 0) pending.push(',');
      }
      out.push('{');
    } else if (typeof current === 'string' || typeof current === 'boolean') {
      out.push(JSON.stringify(current));
    } else {
      out.push('null');
    }
  }
  return out.join('');
}
