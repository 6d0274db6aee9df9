import { Injectable } from '@nestjs/common';
import type { Source, SourceKey } from '../registry/source';
import { SourceRegistry } from '../registry/source.registry';
import type { KeyToInspect } from './source-inspector';
import { acceptsText, SourceRows } from './source-rows';

/** What a search of scanned keys found: keys whose row is gone, and keys that cannot be one of the source's rows. */
export interface OrphanSearch {
  orphans: KeyToInspect[];
  unparsable: string[];
}

/** Finds the keys of one key template whose row is gone: the orphan search of a sweep or an audit. */
@Injectable()
export class OrphanFinder {
  constructor(
    private readonly registry: SourceRegistry,
    private readonly rows: SourceRows,
  ) {}

  /**
   * Of keys SCANned with `key`'s pattern, those whose row is gone: one existence query, no read of
   * the cache. Keys of a more specific template are that template's; a key that matches the pattern
   * but cannot be one of the source's rows (e.g. `customer:not-a-uuid`) is unparsable, not an orphan.
   */
  async find(source: Source, key: SourceKey, keys: readonly string[]): Promise<OrphanSearch> {
    const parsed: KeyToInspect[] = [];
    const unparsable: string[] = [];
    const columns = key.template.columns;
    for (const cacheKey of keys) {
      const owner = this.registry.ownerOf(cacheKey);
      if (owner && owner.key !== key) continue;
      if (owner && columns.every((c) => acceptsText(source.columns[c], owner.values[c]))) parsed.push({ ...owner, cacheKey });
      else unparsable.push(cacheKey);
    }
    const exist = await this.rows.exist(
      source,
      columns,
      parsed.map((p) => columns.map((c) => p.values[c])),
    );
    return { orphans: parsed.filter((_, i) => !exist[i]), unparsable };
  }
}
