import { randomUUID } from 'node:crypto';
import { AscendingIdSet } from './ascending-id-set';

/** Sorted the way PostgreSQL orders uuids (byte order, which is lowercase hex order). */
function sortedUuids(n: number): string[] {
  return Array.from({ length: n }, () => randomUUID()).sort();
}

describe('AscendingIdSet', () => {
  it('finds every id added in ascending order, and none of the others', () => {
    const ids = sortedUuids(20_000);
    const kept = ids.filter((_, i) => i % 2 === 0);
    const set = new AscendingIdSet(100_000);
    for (const id of kept) expect(set.add(id)).toBe(true);
    expect(set.size).toBe(kept.length);
    ids.forEach((id, i) => expect(set.has(id)).toBe(i % 2 === 0));
  });

  it('compares ids across all 128 bits, whatever their case', () => {
    const set = new AscendingIdSet(10);
    set.add('00000000-0000-4000-8000-000000000001');
    set.add('ffffffff-ffff-4fff-bfff-fffffffffffe');
    expect(set.has('00000000-0000-4000-8000-000000000001')).toBe(true);
    expect(set.has('00000000-0000-4000-8000-000000000002')).toBe(false);
    expect(set.has('FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFE')).toBe(true);
    expect(set.has('ffffffff-ffff-4fff-bfff-ffffffffffff')).toBe(false);
  });

  it('refuses ids out of order, repeated, malformed or beyond its capacity, so absence only means unknown', () => {
    const [a, b, c, d] = sortedUuids(4);
    const set = new AscendingIdSet(2);
    expect(set.add(b)).toBe(true);
    expect(set.add(a)).toBe(false); // out of order
    expect(set.add(b)).toBe(false); // repeated
    expect(set.add('not-a-uuid')).toBe(false);
    expect(set.add(c)).toBe(true);
    expect(set.add(d)).toBe(false); // full
    expect([a, b, c, d, 'not-a-uuid'].map((id) => set.has(id))).toEqual([false, true, true, false, false]);
  });

  it('forgets everything on clear', () => {
    const [a, b] = sortedUuids(2);
    const set = new AscendingIdSet(10);
    set.add(b);
    set.clear();
    expect(set.has(b)).toBe(false);
    expect(set.add(a)).toBe(true); // a fresh start: order restarts too
  });
});
