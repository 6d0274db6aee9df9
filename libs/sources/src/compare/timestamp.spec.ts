import fc from 'fast-check';
import { civilFromDays, daysFromCivil } from './calendar';
import {
  compareInstants,
  DEFAULT_ISO_STYLE,
  formatDate,
  formatIso,
  instantMatches,
  NS_PER_MS,
  parseEpochMillis,
  parseIso,
  readCachedInstant,
  readDbInstant,
  sameUtcInstant,
} from './timestamp';
import type { FiniteInstant } from './timestamp';

const MS = 1_000_000n;
const US = 1_000n;
/** ns since the epoch of a UTC wall time, via Date (years 1970-2100 are safe with it). */
const utc = (iso: string, extraNs = 0n) => BigInt(Date.parse(iso)) * MS + extraNs;

describe('calendar', () => {
  it('agrees with Date on day numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000_000, max: 100_000_000 }), (days) => {
        const date = new Date(days * 86_400_000);
        expect(civilFromDays(days)).toEqual({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
        expect(daysFromCivil(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())).toBe(days);
      }),
    );
  });
});

describe('parseIso', () => {
  const at = (text: string) => parseIso(text) as FiniteInstant;

  it.each([
    ['2026-11-27T23:18:24.123456+00:00', utc('2026-11-27T23:18:24.123Z', 456n * US), US],
    ['2026-11-27T23:18:24.123Z', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-27 23:18:24.123z', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-27T23:18:24Z', utc('2026-11-27T23:18:24Z'), 1_000_000_000n],
    ['2026-11-27T23:18:24.1Z', utc('2026-11-27T23:18:24.100Z'), 100_000_000n],
    ['2026-11-27T23:18:24.123456789Z', utc('2026-11-27T23:18:24.123Z', 456_789n), 1n],
    ['2026-11-28T01:18:24.123+02:00', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-28T01:18:24.123+0200', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-28T01:18:24.123+02', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-27T18:18:24.123-05:00', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-27T23:37:56.123+00:19:32', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-28T00:18:24.123+01:00[Europe/Paris]', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-27T23:18:24.123', utc('2026-11-27T23:18:24.123Z'), MS],
    ['2026-11-27T23:18', utc('2026-11-27T23:18:00Z'), 60_000_000_000n],
    ['2026-11-27', utc('2026-11-27T00:00:00Z'), 86_400_000_000_000n],
  ])('%s', (text, ns, unit) => {
    expect(at(text).ns).toBe(ns);
    expect(at(text).unit).toBe(unit);
  });

  it('reads BC years and years past 9999 as PostgreSQL and JavaScript write them', () => {
    // 1 BC is astronomical year 0, which JavaScript writes as 0000 and the year before as -000001.
    expect(at('0001-01-01 BC').ns).toBe(BigInt(Date.parse('0000-01-01T00:00:00Z')) * MS);
    expect(at('0044-03-15T12:00:00+00:00 BC').ns).toBe(BigInt(Date.parse('-000043-03-15T12:00:00Z')) * MS);
    expect(at('10000-01-01T00:00:00+00:00').ns).toBe(BigInt(Date.parse('+010000-01-01T00:00:00Z')) * MS);
    expect(at('+010000-01-01T00:00:00.000Z').ns).toBe(at('10000-01-01T00:00:00').ns);
    expect(at('2000-02-29').ns).toBe(utc('2000-02-29T00:00:00Z'));
  });

  it.each([
    '',
    'yesterday',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-11-31',
    '2026-11-27T24:00:00Z',
    '2026-11-27T23:60:00Z',
    '2026-11-27T23:18:60Z',
    '2026-11-27T23:18:24.1234567890Z',
    '2026-11-27T23:18:24+25:00',
    '2026-11-27T23:18:24 +02:00',
    '26-11-27',
    '2026/11/27',
    '1764285504123',
    '-002026-11-27 BC',
  ])('refuses %p', (text) => expect(parseIso(text)).toBeNull());
});

describe('reading cached and database instants', () => {
  const epoch = String(Date.parse('2026-11-27T23:18:24.123Z'));

  it('reads epoch milliseconds from JSON numbers in json format and from numeric text elsewhere', () => {
    expect(readCachedInstant(epoch, 'hash', true)).toMatchObject({ ns: utc('2026-11-27T23:18:24.123Z'), unit: NS_PER_MS });
    expect(readCachedInstant(epoch, 'string', true)).not.toBeNull();
    expect(readCachedInstant(epoch, 'json', true)).toBeNull();
    expect(readCachedInstant(Number(epoch), 'json', true)).not.toBeNull();
    expect(readCachedInstant(Number(epoch), 'hash', true)).toBeNull();
    expect(parseEpochMillis('1.5')).toBeNull();
    expect(parseEpochMillis('1e300')).toBeNull();
  });

  it('refuses a bare date where a time is required', () => {
    expect(readCachedInstant('2026-11-27', 'json', true)).toBeNull();
    expect(readCachedInstant('2026-11-27', 'json', false)).not.toBeNull();
  });

  it('keeps infinities as they are', () => {
    expect(readDbInstant('infinity')).toBe('infinity');
    expect(readCachedInstant('-infinity', 'hash', true)).toBe('-infinity');
    expect(readCachedInstant('Infinity', 'hash', true)).toBeNull();
  });
});

describe('instantMatches', () => {
  const db = utc('2026-11-27T23:18:24.123Z', 556n * US); // …24.123556

  it('accepts the database instant truncated or rounded to the cache precision', () => {
    expect(instantMatches(db, utc('2026-11-27T23:18:24.123Z'), MS)).toBe(true);
    expect(instantMatches(db, utc('2026-11-27T23:18:24.124Z'), MS)).toBe(true);
    expect(instantMatches(db, utc('2026-11-27T23:18:24Z'), 1_000_000_000n)).toBe(true);
    expect(instantMatches(db, db, 1n)).toBe(true);
  });

  it('refuses anything further away', () => {
    expect(instantMatches(db, utc('2026-11-27T23:18:24.122Z'), MS)).toBe(false);
    expect(instantMatches(db, utc('2026-11-27T23:18:24.125Z'), MS)).toBe(false);
    expect(instantMatches(db, utc('2026-11-27T23:18:25Z'), 1_000_000_000n)).toBe(false);
    // Rounding .123456 gives .123, so .124 is neither truncation nor rounding.
    expect(instantMatches(utc('2026-11-27T23:18:24.123Z', 456n * US), utc('2026-11-27T23:18:24.124Z'), MS)).toBe(false);
    expect(instantMatches(db, db + 1n, 1n)).toBe(false);
  });

  it('floors instants before 1970 as a Date built from their fields does', () => {
    const before = utc('1969-12-31T23:59:59.999Z', 500n * US);
    expect(instantMatches(before, utc('1969-12-31T23:59:59.999Z'), MS)).toBe(true);
    expect(instantMatches(before, utc('1970-01-01T00:00:00.000Z'), MS)).toBe(true);
    expect(instantMatches(before, utc('1969-12-31T23:59:59.998Z'), MS)).toBe(false);
  });

  it('orders at the cache precision, with infinities outside every finite instant', () => {
    const cached = parseIso('2026-11-27T23:18:24.123Z')!;
    expect(compareInstants(cached, parseIso('2026-11-27T23:18:24.123999+00:00')!, false)).toBe(0);
    expect(compareInstants(cached, parseIso('2026-11-27T23:18:24.124+00:00')!, false)).toBe(-1);
    expect(compareInstants(cached, parseIso('2026-11-27T23:18:24.122499+00:00')!, false)).toBe(1);
    // .122999 rounds to .123: the same version at millisecond precision.
    expect(compareInstants(cached, parseIso('2026-11-27T23:18:24.122999+00:00')!, false)).toBe(0);
    expect(compareInstants('infinity', cached, false)).toBe(1);
    expect(compareInstants(cached, 'infinity', false)).toBe(-1);
    expect(compareInstants('-infinity', '-infinity', false)).toBe(0);
  });
});

describe('formatting', () => {
  it('writes JavaScript toISOString by default', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('-271820-01-01'), max: new Date('+275759-12-31'), noInvalidDate: true }), (date) => {
        expect(formatIso(BigInt(date.getTime()) * MS, DEFAULT_ISO_STYLE)).toBe(date.toISOString());
      }),
    );
  });

  it('writes a style it read, truncating to its precision', () => {
    const db = utc('2026-11-27T23:18:24.123Z', 456n * US);
    for (const text of [
      '2026-11-28 01:18:24.12345+02:00',
      '2026-11-27T23:18:24',
      '2026-11-27T18:18-0500',
      '2026-11-27T23:18:24.123456789z',
    ]) {
      const style = parseIso(text)!.style;
      if (typeof style !== 'object') throw new Error('expected a date-time');
      const written = formatIso(db, style);
      expect(written).toMatch(new RegExp(`^2026-11-2\\d${style.separator}`));
      expect(parseIso(written)!.style).toEqual(style);
      expect(instantMatches(db, parseIso(written)!.ns, parseIso(written)!.unit)).toBe(true);
    }
  });

  it('writes dates as YYYY-MM-DD', () => {
    expect(formatDate(0)).toBe('1970-01-01');
    expect(formatDate(daysFromCivil(10000, 1, 1))).toBe('+010000-01-01');
    expect(formatDate(daysFromCivil(-43, 3, 15))).toBe('-000043-03-15');
  });
});

describe('sameUtcInstant (the fast path)', () => {
  it('sees a JavaScript UTC text in the database UTC text that starts with it', () => {
    expect(sameUtcInstant('2026-11-27T23:18:24.123Z', '2026-11-27T23:18:24.123456+00:00')).toBe(true);
    expect(sameUtcInstant('2026-11-27T23:18:24Z', '2026-11-27T23:18:24.9+00:00')).toBe(true);
    expect(sameUtcInstant('2026-11-27T23:18Z', '2026-11-27T23:18:24')).toBe(true);
  });

  it('leaves everything else to the full comparison', () => {
    expect(sameUtcInstant('2026-11-27T23:18:24.123Z', '2026-11-27T23:18:24.123456+01:00')).toBe(false);
    expect(sameUtcInstant('2026-11-27T23:18:24.124Z', '2026-11-27T23:18:24.123456+00:00')).toBe(false);
    expect(sameUtcInstant('2026-11-27', '2026-11-27T00:00:00+00:00')).toBe(false);
    expect(sameUtcInstant('2026-11-27T23:18:24.123+00:00', '2026-11-27T23:18:24.123+00:00')).toBe(false);
    expect(sameUtcInstant('0026-11-27T23:18:24Z', '0026-11-27T23:18:24+00:00 BC')).toBe(false);
  });

  it('never disagrees with the full comparison', () => {
    const instant = fc.record({
      ms: fc.integer({ min: 0, max: 4_102_444_800_000 }),
      us: fc.integer({ min: 0, max: 999 }),
      digits: fc.integer({ min: 0, max: 6 }),
      cacheDigits: fc.integer({ min: 0, max: 3 }),
      nudge: fc.integer({ min: -2, max: 2 }),
    });
    fc.assert(
      fc.property(instant, ({ ms, us, digits, cacheDigits, nudge }) => {
        const iso = new Date(ms).toISOString().slice(0, 19);
        const fraction = (String(ms % 1000).padStart(3, '0') + String(us).padStart(3, '0')).slice(0, digits);
        const db = `${iso}${fraction ? `.${fraction}` : ''}+00:00`;
        const cachedIso = new Date(ms + nudge)
          .toISOString()
          .slice(0, 20 + cacheDigits)
          .replace(/\.$/, '');
        const cached = `${cachedIso}Z`;
        if (!sameUtcInstant(cached, db)) return;
        expect(compareInstants(readCachedInstant(cached, 'json', true)!, readDbInstant(db)!, false)).toBe(0);
      }),
    );
  });
});
