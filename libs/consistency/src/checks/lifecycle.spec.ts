import { Outcome } from '../outcome';
import { decideOnCheck, decideOnConfirm, KnownState, sameDivergence, stillDivergent } from './lifecycle';

const nothing: KnownState = { open: null, pending: false };
const pending: KnownState = { open: null, pending: true };
const confirmed: KnownState = { open: { status: 'confirmed' }, pending: false };
const persistent: KnownState = { open: { status: 'persistent' }, pending: false };

describe('decideOnCheck', () => {
  it.each(['stale', 'ahead', 'corrupt', 'orphan'] as Outcome[])('detects a new %s mismatch', (o) => {
    expect(decideOnCheck(o, nothing)).toEqual([{ type: 'detect' }]);
  });

  it('stays silent on a mismatch whose confirmation is pending (the deadline is never moved)', () => {
    expect(decideOnCheck('stale', pending)).toEqual([]);
  });

  it('touches an open record on a repeat mismatch', () => {
    expect(decideOnCheck('stale', confirmed)).toEqual([{ type: 'touch' }]);
    expect(decideOnCheck('corrupt', persistent)).toEqual([{ type: 'touch' }]);
  });

  it('clears a pending confirmation when the pair is consistent again', () => {
    expect(decideOnCheck('consistent', pending)).toEqual([{ type: 'clear' }]);
    expect(decideOnCheck('miss', pending)).toEqual([{ type: 'clear' }]);
  });

  it('resolves an open record as self-healed when consistent again', () => {
    expect(decideOnCheck('consistent', confirmed)).toEqual([{ type: 'resolve', resolution: 'self_healed' }]);
    expect(decideOnCheck('miss', persistent)).toEqual([{ type: 'resolve', resolution: 'self_healed' }]);
  });

  it('resolves as item_deleted when both row and entry are gone', () => {
    expect(decideOnCheck('absent', confirmed)).toEqual([{ type: 'resolve', resolution: 'item_deleted' }]);
  });

  it('does nothing when consistent and nothing is known', () => {
    expect(decideOnCheck('consistent', nothing)).toEqual([]);
    expect(decideOnCheck('absent', nothing)).toEqual([]);
  });
});

describe('decideOnConfirm', () => {
  it('does not confirm a mismatch whose cache entry moved since detection: it restarts the grace period', () => {
    expect(decideOnConfirm('stale', null, false)).toEqual([{ type: 'clear' }, { type: 'detect' }]);
    expect(decideOnConfirm('ahead', null, false)).toEqual([{ type: 'clear' }, { type: 'detect' }]);
  });

  it('confirms a mismatch still there after the grace period', () => {
    expect(decideOnConfirm('stale', null, true)).toEqual([{ type: 'confirm' }]);
  });

  it('clears a mismatch that went away (a blip)', () => {
    expect(decideOnConfirm('consistent', null, false)).toEqual([{ type: 'clear' }]);
  });

  it('touches instead of confirming when a record is already open', () => {
    expect(decideOnConfirm('stale', { status: 'confirmed' }, true)).toEqual([{ type: 'touch' }]);
  });

  it('clears and resolves when consistent with a record open', () => {
    expect(decideOnConfirm('absent', { status: 'persistent' }, true)).toEqual([
      { type: 'clear' },
      { type: 'resolve', resolution: 'item_deleted' },
    ]);
  });
});

describe('sameDivergence', () => {
  it('keeps a stale entry the same divergence until the cache reaches the version the database had at detection', () => {
    const detected = { kind: 'stale' as const, cacheVersion: 1, dbVersion: 3 };
    expect(sameDivergence(detected, { cacheVersion: 1 })).toBe(true); // stuck
    expect(sameDivergence(detected, { cacheVersion: 2 })).toBe(true); // overwritten stale again
    expect(sameDivergence(detected, { cacheVersion: 3 })).toBe(false); // caught up; a newer write is in flight
    expect(sameDivergence(detected, { cacheVersion: 8 })).toBe(false);
  });

  it('keeps other kinds the same divergence while the entry is unchanged', () => {
    expect(sameDivergence({ kind: 'corrupt', cacheVersion: 4, dbVersion: 4 }, { cacheVersion: 4 })).toBe(true);
    expect(sameDivergence({ kind: 'corrupt', cacheVersion: null, dbVersion: 4 }, { cacheVersion: null })).toBe(true);
    expect(sameDivergence({ kind: 'ahead', cacheVersion: 7, dbVersion: 6 }, { cacheVersion: 9 })).toBe(false);
    expect(sameDivergence({ kind: 'orphan', cacheVersion: 2, dbVersion: null }, { cacheVersion: 2 })).toBe(true);
  });
});

describe('stillDivergent (a recheck)', () => {
  const look = { kind: 'stale' as const, cacheVersion: 1, dbVersion: 2, dbDigest: 'row-at-v2' };

  it('is the same divergence when the row has not moved since the previous look', () => {
    expect(stillDivergent(look, { cacheVersion: 1, dbDigest: 'row-at-v2' })).toBe(true);
    expect(
      stillDivergent({ ...look, kind: 'diverged', cacheVersion: null, dbVersion: null }, { cacheVersion: null, dbDigest: 'row-at-v2' }),
    ).toBe(true);
  });

  it('is the same divergence when the cache is still behind what the row held at the previous look', () => {
    expect(stillDivergent(look, { cacheVersion: 1, dbDigest: 'row-at-v3' })).toBe(true);
  });

  it('is another mismatch (a write possibly in flight) when the row moved and the cache caught up with the previous look', () => {
    expect(stillDivergent(look, { cacheVersion: 2, dbDigest: 'row-at-v3' })).toBe(false);
    expect(stillDivergent({ ...look, kind: 'diverged' }, { cacheVersion: null, dbDigest: 'row-at-v3' })).toBe(false);
  });
});

describe('decideOnConfirm with recheck', () => {
  it('looks again shortly instead of restarting the grace period', () => {
    expect(decideOnConfirm('stale', null, false, true)).toEqual([{ type: 'recheck' }]);
    expect(decideOnConfirm('stale', null, true, true)).toEqual([{ type: 'confirm' }]);
    expect(decideOnConfirm('consistent', null, false, true)).toEqual([{ type: 'clear' }]);
  });
});
