import type { CacheService } from '@app/cache';
import type { RedisConfig } from '@app/config';
import { ItemCache, parseCacheEntry, serializeCacheEntry } from './item-cache';

const sut = new ItemCache({} as CacheService, { keyPrefix: 'item:' } as RedisConfig);
const ID = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';

describe('ItemCache keys', () => {
  it('derives an item key from its id, and the id back from the key', () => {
    expect(sut.keyFor(ID)).toBe(`item:${ID}`);
    expect(sut.idFromKey(`item:${ID.toUpperCase()}`)).toBe(ID);
    expect(sut.idFromKey(`other:${ID}`)).toBeNull();
    expect(sut.idFromKey('item:not-a-uuid')).toBeNull();
  });

  it('names every key a change touches: the item entry', () => {
    expect(sut.keysTouchedBy({ itemId: 'x', oldName: 'a', newName: 'b' })).toEqual(['item:x']);
  });
});

describe('item cache entries', () => {
  const item = { id: ID, name: 'n', value: { toString: 1 }, version: 2, createdAt: 't', updatedAt: 't' };

  it('round-trip', () => {
    expect(parseCacheEntry(serializeCacheEntry(item))).toEqual(item);
  });

  it.each([
    'not json',
    '42',
    '{"id": 1}',
    '{"id": "a", "name": "n", "version": 1}',
    '{"id": "a", "name": "n", "version": 1.5, "value": 1}',
  ])('are null when the value is not an item: %s', (raw) => expect(parseCacheEntry(raw)).toBeNull());
});
