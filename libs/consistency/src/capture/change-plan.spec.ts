import { planChanges } from './change-plan';
import { ItemChange } from './item-change';

/** The keys a change touches, as the item cache derives them. */
const keysOf = (prefix: string) => (c: ItemChange) => [prefix + c.itemId];

const at = new Date('2026-01-01T00:00:00Z');
const change = (over: Partial<ItemChange>): ItemChange => ({
  id: '1',
  itemId: 'a',
  op: 'update',
  oldVersion: 1,
  newVersion: 2,
  oldName: 'n',
  newName: 'n',
  origin: 'api',
  changedAt: at,
  ...over,
});

describe('planChanges', () => {
  it('checks an api write at once and after the post-write delay', () => {
    expect(planChanges([change({})], 'invalidate', { immediateMs: 100, postWriteMs: 2500 }, keysOf('item:'))).toEqual({
      invalidate: [],
      refresh: [],
      checks: [
        { itemId: 'a', trigger: 'write', delayMs: 100 },
        { itemId: 'a', trigger: 'post-write', delayMs: 2500, writtenAt: at.getTime(), version: 2 },
      ],
    });
  });

  it('under detect, only checks an out-of-band change', () => {
    const plan = planChanges([change({ origin: 'external' })], 'detect', { immediateMs: 0, postWriteMs: 100 }, keysOf('item:'));
    expect(plan.invalidate).toEqual([]);
    expect(plan.refresh).toEqual([]);
    expect(plan.checks.map((c) => c.trigger)).toEqual(['change', 'post-change']);
  });

  it('under invalidate, deletes the keys of out-of-band changes, once per key', () => {
    const plan = planChanges(
      [change({ origin: 'external' }), change({ id: '2', origin: 'external' }), change({ itemId: 'b' })],
      'invalidate',
      { immediateMs: 0, postWriteMs: 0 },
      keysOf('item:'),
    );
    expect(plan.invalidate).toEqual(['item:a']);
  });

  it('under refresh, rewrites each out-of-band item once', () => {
    const plan = planChanges(
      [change({ origin: 'external' }), change({ id: '2', origin: 'external' })],
      'refresh',
      { immediateMs: 0, postWriteMs: 0 },
      keysOf('item:'),
    );
    expect(plan.refresh).toEqual(['a']);
  });

  it('checks an item once per batch at once, but samples every write after the delay', () => {
    const plan = planChanges(
      [change({}), change({ id: '2', oldVersion: 2, newVersion: 3 })],
      'detect',
      { immediateMs: 0, postWriteMs: 10 },
      keysOf('item:'),
    );
    expect(plan.checks.filter((c) => c.trigger === 'write')).toHaveLength(1);
    expect(plan.checks.filter((c) => c.trigger === 'post-write')).toHaveLength(2);
  });

  it('checks deletes and skips inserts', () => {
    const plan = planChanges(
      [change({ op: 'insert', itemId: 'i' }), change({ op: 'delete', itemId: 'd', origin: 'external' })],
      'invalidate',
      { immediateMs: 0, postWriteMs: 0 },
      keysOf('p:'),
    );
    expect(plan.checks.map((c) => c.itemId)).toEqual(['d', 'd']);
    expect(plan.invalidate).toEqual(['p:d']);
  });

  it("gives each post-write sample its write's version (none for a delete)", () => {
    const plan = planChanges(
      [change({ newVersion: 7 }), change({ op: 'delete', itemId: 'd', newVersion: null })],
      'detect',
      { immediateMs: 0, postWriteMs: 1 },
      keysOf('p:'),
    );
    expect(plan.checks.filter((c) => c.trigger === 'post-write').map((c) => [c.itemId, c.version])).toEqual([
      ['a', 7],
      ['d', undefined],
    ]);
  });
});
