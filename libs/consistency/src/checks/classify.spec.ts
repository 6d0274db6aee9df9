import fc from 'fast-check';
import { jsonValue, mutated } from '@app/testing';
import { isMismatch } from '../outcome';
import { classify } from './classify';

const row = { id: 'a', name: 'n', value: { x: 1, y: [1, 2] }, version: 3 };
const entry = (over: Record<string, unknown> = {}) => JSON.stringify({ ...row, createdAt: 't', updatedAt: 't', ...over });

describe('classify', () => {
  it('is consistent when version and content match, whatever the key order', () => {
    expect(classify(row, JSON.stringify({ version: 3, value: { y: [1, 2], x: 1 }, name: 'n', id: 'a' })).outcome).toBe('consistent');
  });

  it('treats a missing key as a miss, never an inconsistency', () => {
    const sut = classify(row, null);
    expect(sut.outcome).toBe('miss');
    expect(isMismatch(sut.outcome)).toBe(false);
  });

  it('is absent when neither row nor entry exists', () => {
    expect(classify(null, null).outcome).toBe('absent');
  });

  it('is stale when the cache version is lower', () => {
    expect(classify(row, entry({ version: 2 }))).toMatchObject({ outcome: 'stale', dbVersion: 3, cacheVersion: 2 });
  });

  it('is ahead when the cache version is higher', () => {
    expect(classify(row, entry({ version: 4 }))).toMatchObject({ outcome: 'ahead', dbVersion: 3, cacheVersion: 4 });
  });

  it('is corrupt when versions match but the value differs', () => {
    expect(classify(row, entry({ value: { x: 2, y: [1, 2] } }))).toMatchObject({ outcome: 'corrupt', cacheValue: { x: 2, y: [1, 2] } });
  });

  it('is corrupt when versions match but the name differs', () => {
    expect(classify(row, entry({ name: 'other' })).outcome).toBe('corrupt');
  });

  it('is corrupt when the entry is not an item, keeping the raw text', () => {
    expect(classify(row, 'garbage')).toMatchObject({ outcome: 'corrupt', cacheVersion: null, cacheValue: 'garbage' });
    expect(classify(row, '{"version":3}').outcome).toBe('corrupt');
  });

  it('is corrupt when the entry belongs to another item', () => {
    expect(classify(row, entry({ id: 'b' })).outcome).toBe('corrupt');
  });

  it('is an orphan when the row is gone but the entry remains', () => {
    expect(classify(null, entry())).toMatchObject({ outcome: 'orphan', dbVersion: null, cacheVersion: 3 });
  });

  it.each(['stale', 'ahead', 'corrupt', 'orphan'] as const)('%s is a mismatch', (o) => expect(isMismatch(o)).toBe(true));
  it.each(['consistent', 'miss', 'absent'] as const)('%s is not a mismatch', (o) => expect(isMismatch(o)).toBe(false));
});

describe('classify, property-based: any JSON value, whatever its keys', () => {
  const item = (value: unknown) => ({ id: 'a', name: 'n', value: value as never, version: 3 });
  const cached = (value: unknown) => JSON.stringify({ id: 'a', name: 'n', value, version: 3 });

  it('is consistent with itself (as cached) and corrupt against a copy mutated in one place', () => {
    fc.assert(
      fc.property(jsonValue, fc.nat(), (value, pick) => {
        const sent = JSON.parse(JSON.stringify(value)); // what a client's JSON actually carries (-0 is 0)
        expect(classify(item(sent), cached(sent)).outcome).toBe('consistent');
        expect(classify(item(sent), cached(mutated(sent, pick))).outcome).toBe('corrupt');
        expect(classify(item(mutated(sent, pick)), cached(sent)).outcome).toBe('corrupt');
      }),
      { numRuns: 10_000 },
    );
  });
});
