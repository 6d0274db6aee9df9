import { Injectable } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { renderEntry } from '../compare';
import type { HealPolicy } from '../declaration/source-declaration';
import { SourceRegistry } from '../registry/source.registry';
import { Inspection, isFailed, SourceInspector } from './source-inspector';

/**
 * Heals a confirmed key of a declared source, in the application's own format:
 *  - refresh: rewrites the entry from its row only if it still holds exactly what was observed (so a
 *    newer write by the application is never overwritten), keeping its TTL; an orphan, which has no
 *    row to render, is deleted;
 *  - invalidate: deletes the key, for the application to refill.
 */
@Injectable()
export class SourceHealer {
  constructor(
    private readonly cache: CacheService,
    private readonly registry: SourceRegistry,
    private readonly inspector: SourceInspector,
  ) {}

  /** `onChange: refresh`: rewrites each key that holds something other than its row (a miss stays a miss). */
  async refreshKeys(cacheKeys: readonly string[]): Promise<void> {
    const targets = cacheKeys.flatMap((cacheKey) => {
      const owner = this.registry.ownerOf(cacheKey);
      return owner ? [{ ...owner, cacheKey }] : [];
    });
    const inspections = await this.inspector.inspectKeys(targets);
    const wrong = inspections.filter(
      (x): x is Inspection => !isFailed(x) && !['consistent', 'miss', 'absent'].includes(x.comparison.outcome),
    );
    await Promise.all(wrong.map((x) => this.heal(x, 'refresh')));
  }

  /** True when healed; false when the entry changed since it was observed (the next check decides). */
  async heal(inspection: Inspection, policy: HealPolicy): Promise<boolean> {
    if (policy === 'off') return false;
    if (policy === 'invalidate' || inspection.row === null) {
      await this.cache.delete([inspection.cacheKey]);
      return true;
    }
    const { source, key, row, entry } = inspection;
    let value: ReturnType<typeof renderEntry>;
    try {
      value = renderEntry(key.shape, source.kinds, row, entry);
    } catch {
      // No text stands for NULL in a string key: the application's own fill decides what to cache.
      await this.cache.delete([inspection.cacheKey]);
      return true;
    }
    return this.cache.replaceIfUnchanged(inspection.cacheKey, entry, value);
  }
}
