import { Injectable } from '@nestjs/common';
import type { Item } from './item';
import { ItemCache } from './item-cache';
import { ItemsRepository } from './items.repository';

/**
 * Force-syncs an item's cache entry from PostgreSQL. Deleting first and then filling through the
 * compare-and-set means a concurrent newer write always wins over the repair, so a repair
 * never leaves a value older than the database's.
 */
@Injectable()
export class CacheRepairService {
  constructor(
    private readonly items: ItemsRepository,
    private readonly cache: ItemCache,
  ) {}

  /** The item as now cached, or null when the row is gone (its key is then deleted). */
  async refresh(itemId: string): Promise<Item | null> {
    await this.cache.delete(itemId);
    const item = await this.items.findById(itemId);
    if (item) await this.cache.write(item);
    return item;
  }
}
