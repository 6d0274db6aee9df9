import { compareVersions, versionText } from './version-order';
import { parseCachedJson } from './json-value';

describe('compareVersions', () => {
  it.each([
    ['integer', '9', '10', -1],
    ['integer', '10', '9', 1],
    ['integer', '10', '10', 0],
    ['integer', '1e1', '10', 0],
    ['integer', '9007199254740993', '9007199254740992', 1],
    ['integer', '-5', '3', -1],
    ['decimal', '1.10', '1.1', 0],
    ['decimal', '1.09', '1.1', -1],
    // A cache holding milliseconds is the same version as the database's microseconds truncated, not stale.
    ['timestamp', '2026-11-27T23:18:24.123Z', '2026-11-27T23:18:24.123456+00:00', 0],
    ['timestamp', '2026-11-27T23:18:24.123Z', '2026-11-27T23:18:24.123999+00:00', 0],
    ['timestamp', String(Date.parse('2026-11-27T23:18:24.123Z')), '2026-11-27T23:18:24.123456+00:00', 0],
    ['timestamp', '2026-11-27T23:18:24.123456Z', '2026-11-27T23:18:24.123456+00:00', 0],
    ['timestamp', '2026-11-27T23:18:24.122Z', '2026-11-27T23:18:24.123456+00:00', -1],
    ['timestamp', '2026-11-27T23:18:24.123455Z', '2026-11-27T23:18:24.123456+00:00', -1],
    ['timestamp', '2026-11-27T23:18:24.124Z', '2026-11-27T23:18:24.123456+00:00', 1],
    ['timestamp', '2026-11-27T23:18:24.124Z', '2026-11-27T23:18:24.1235+00:00', 0],
    ['timestamp', '2026-11-28T00:18:24.123+01:00', '2026-11-27T23:18:24.123456+00:00', 0],
    ['timestamp', '2026-11-27T23:18:24.123', '2026-11-27T23:18:24.123456', 0],
    ['timestamp', 'infinity', '2026-11-27T23:18:24.123456+00:00', 1],
    ['timestamp', '2026-11-27T23:18:24.123Z', 'infinity', -1],
    ['timestamp', '-infinity', '-infinity', 0],
    ['date', '2026-11-27', '2026-11-28', -1],
    ['date', '2026-11-28', '2026-11-27', 1],
    ['date', '2026-11-27T00:00:00Z', '2026-11-27', 0],
    ['date', '2026-11-27T00:00:01Z', '2026-11-27', 1],
  ] as const)('%s: cache %s vs db %s -> %p', (kind, cache, db, order) => expect(compareVersions(kind, cache, db)).toBe(order));

  it.each([
    ['integer', 'v9', '10'],
    ['integer', '9', ''],
    ['integer', 'NaN', '1'],
    ['timestamp', 'yesterday', '2026-11-27T23:18:24.123456+00:00'],
    ['timestamp', '2026-11-27', '2026-11-27T00:00:00+00:00'],
    ['timestamp', '2026-11-27T23:18:24Z', 'garbage'],
    ['date', '27/11/2026', '2026-11-27'],
    ['text', 'a', 'b'],
    ['boolean', 'true', 'false'],
    ['json', '1', '2'],
  ] as const)('%s: cache %p vs db %p cannot be read', (kind, cache, db) => expect(compareVersions(kind, cache, db)).toBeNull());
});

describe('versionText', () => {
  it('gives a cached value as text', () => {
    expect(versionText(parseCachedJson('9007199254740993'))).toBe('9007199254740993');
    expect(versionText('2026-11-27T23:18:24.123Z')).toBe('2026-11-27T23:18:24.123Z');
    expect(versionText(true)).toBe('true');
    expect(versionText(parseCachedJson('{"v":1.50}'))).toBe('{"v":1.50}');
    expect(versionText(undefined)).toBeNull();
    expect(versionText(null)).toBeNull();
  });
});
