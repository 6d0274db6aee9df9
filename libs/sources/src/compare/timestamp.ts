import { civilFromDays, daysFromCivil, daysInMonth } from './calendar';
import { decimalToBigInt } from './decimal';
import { numberText } from './json-value';

/**
 * Instants as BigInt nanoseconds since the epoch, each with the precision its text carried, so that
 * '…24.123Z' (a JS Date) can be compared with PostgreSQL's '…24.123456+00:00' without floats.
 */

export const NS_PER_MS = 1_000_000n;
export const NS_PER_SECOND = 1_000_000_000n;
export const NS_PER_DAY = 86_400n * NS_PER_SECOND;

/** How an ISO-8601 text was written, to write another one the same way. */
export interface IsoStyle {
  separator: string; // 'T' or ' '
  hasSeconds: boolean;
  fractionDigits: number; // 0-9
  offset: string; // as written: '', 'Z', '+02:00', '+0200'…
  offsetSeconds: number;
}

/** A finite instant; `unit` is its precision in ns (10^-n s for n fractional digits, 1 ms for epoch ms, a day for a date). */
export interface FiniteInstant {
  ns: bigint;
  unit: bigint;
  style: IsoStyle | 'date' | 'epoch-ms';
}

/** PostgreSQL's infinite timestamps and dates, which equal only themselves. */
export type InfiniteInstant = 'infinity' | '-infinity';
export type Instant = FiniteInstant | InfiniteInstant;

export const DEFAULT_ISO_STYLE: IsoStyle = { separator: 'T', hasSeconds: true, fractionDigits: 3, offset: 'Z', offsetSeconds: 0 };

// Date, then optionally time and offset (absent offset = UTC); PostgreSQL adds ' BC' and writes years past 9999
// with more digits; JavaScript writes them as ±YYYYYY; Java may add a bracketed zone name after the offset.
const ISO_TEXT =
  /^([+-]\d{6}|\d{4,7})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?(?:\[[^\]]+\])?)?( BC)?$/;

export function isInfinite(text: unknown): text is InfiniteInstant {
  return text === 'infinity' || text === '-infinity';
}

function offsetSecondsOf(offset: string): number | null {
  if (offset === '' || offset === 'Z' || offset === 'z') return 0;
  const [hours, minutes = '0', seconds = '0'] = offset.slice(1).replace(/:/g, '').match(/\d\d/g) ?? [];
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return null;
  const total = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  return offset.startsWith('-') ? -total : total;
}

/** Reads an ISO-8601 date or date-time text; null when it is not one or names an impossible date or time. */
export function parseIso(text: string): FiniteInstant | null {
  const match = ISO_TEXT.exec(text);
  if (!match) return null;
  const [, yearText, monthText, dayText, separator, hourText, minuteText, secondText, fraction = '', offset = '', bc] = match;
  if (bc && /^[+-]/.test(yearText)) return null;
  const year = bc ? 1 - Number(yearText) : Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const midnight = BigInt(daysFromCivil(year, month, day)) * NS_PER_DAY;
  if (separator === undefined) return { ns: midnight, unit: NS_PER_DAY, style: 'date' };

  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText ?? '0');
  const offsetSeconds = offsetSecondsOf(offset);
  if (hour > 23 || minute > 59 || second > 59 || offsetSeconds === null) return null;
  const clock = BigInt(hour * 3600 + minute * 60 + second) * NS_PER_SECOND + BigInt(fraction.padEnd(9, '0'));
  const hasSeconds = secondText !== undefined;
  // Precision is what the text shows: n fractional digits -> 10^-n s; no seconds -> a minute.
  const unit = hasSeconds ? 10n ** BigInt(9 - fraction.length) : 60n * NS_PER_SECOND;
  const style: IsoStyle = { separator, hasSeconds, fractionDigits: fraction.length, offset, offsetSeconds };
  return { ns: midnight + clock - BigInt(offsetSeconds) * NS_PER_SECOND, unit, style };
}

const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z$/;
const UTC_REST = /^[\d.:]*(?:\+00:00)?$/;

/**
 * The common case, without parsing: a cached UTC text ('…T23:18:24.123Z', as JavaScript writes) that
 * the database's UTC text ('…T23:18:24.123456+00:00') starts with is the same instant at the
 * cache's precision (truncated). False means "not shown this way", not "different".
 */
export function sameUtcInstant(cached: string, db: string): boolean {
  if (!UTC_ISO.test(cached)) return false;
  const body = cached.slice(0, -1);
  return db.startsWith(body) && UTC_REST.test(db.slice(body.length));
}

/** Epoch milliseconds from an integer's text; null when it is not an integer or is beyond any calendar. */
export function parseEpochMillis(text: string): FiniteInstant | null {
  const millis = decimalToBigInt(text, 20);
  return millis === null ? null : { ns: millis * NS_PER_MS, unit: NS_PER_MS, style: 'epoch-ms' };
}

/** A database timestamp's or date's text (to_json's ISO-8601, no offset for timestamp without time zone). */
export function readDbInstant(text: string): Instant | null {
  return isInfinite(text) ? text : parseIso(text);
}

/**
 * A cached timestamp or date: ISO-8601 text, or epoch milliseconds as a JSON number (json format) or as numeric
 * text (hash and string formats, which hold only text). `requireTime` refuses a bare date.
 */
export function readCachedInstant(cached: unknown, format: 'json' | 'hash' | 'string', requireTime: boolean): Instant | null {
  if (typeof cached === 'string') {
    if (isInfinite(cached)) return cached;
    const iso = parseIso(cached);
    if (iso) return requireTime && iso.style === 'date' ? null : iso;
    return format === 'json' ? null : parseEpochMillis(cached);
  }
  const text = format === 'json' ? numberText(cached) : null;
  return text === null ? null : parseEpochMillis(text);
}

function floorTo(value: bigint, unit: bigint): bigint {
  return value - (((value % unit) + unit) % unit);
}

/**
 * Whether a cached instant of precision `unit` shows the database instant: truncated (JavaScript's Date drops
 * microseconds) or rounded to nearest, either way at a tie.
 */
export function instantMatches(dbNs: bigint, cachedNs: bigint, unit: bigint): boolean {
  const truncated = floorTo(dbNs, unit);
  return cachedNs === truncated || (cachedNs === truncated + unit && (dbNs - truncated) * 2n >= unit);
}

function rank(instant: Instant): -1 | 0 | 1 {
  return instant === '-infinity' ? -1 : instant === 'infinity' ? 1 : 0;
}

/** Order of a cached instant against the database's at the cache's precision: -1 cache older, 0 same, 1 cache newer. */
export function compareInstants(cached: Instant, db: Instant, exact: boolean): -1 | 0 | 1 {
  if (typeof cached === 'string' || typeof db === 'string') {
    const difference = rank(cached) - rank(db);
    return difference < 0 ? -1 : difference > 0 ? 1 : 0;
  }
  if (exact ? cached.ns === db.ns : instantMatches(db.ns, cached.ns, cached.unit)) return 0;
  return cached.ns < db.ns ? -1 : 1;
}

function pad(value: number | bigint, width: number): string {
  return String(value).padStart(width, '0');
}

/** 'YYYY-MM-DD' of a day number; years outside 0000-9999 as JavaScript writes them (±YYYYYY). */
export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`;
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** The day number of an instant (the UTC day it falls in). */
export function dayOf(ns: bigint): number {
  return Number(floorTo(ns, NS_PER_DAY) / NS_PER_DAY);
}

/** Writes an instant in a style, truncating to the style's precision as JavaScript's Date does. */
export function formatIso(ns: bigint, style: IsoStyle): string {
  const local = ns + BigInt(style.offsetSeconds) * NS_PER_SECOND;
  const midnight = floorTo(local, NS_PER_DAY);
  const clock = local - midnight;
  const seconds = clock / NS_PER_SECOND;
  const time = `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}`;
  const fraction = pad(clock % NS_PER_SECOND, 9).slice(0, style.fractionDigits);
  const secondsText = style.hasSeconds ? `:${pad(seconds % 60n, 2)}${fraction ? `.${fraction}` : ''}` : '';
  return `${formatDate(dayOf(local))}${style.separator}${time}${secondsText}${style.offset}`;
}

/** Epoch milliseconds of an instant, truncated. */
export function epochMillis(ns: bigint): bigint {
  return floorTo(ns, NS_PER_MS) / NS_PER_MS;
}
