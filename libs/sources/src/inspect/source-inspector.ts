import { Injectable } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { CachedEntry, compareEntry, EntryComparison, RowText } from '../compare';
import type { Source, SourceKey } from '../registry/source';
import { acceptsText, SourceRows } from './source-rows';

/** A cache key to compare, and the declared template it belongs to (see SourceRegistry.ownerOf). */
export interface KeyToInspect {
  cacheKey: string;
  source: Source;
  key: SourceKey;
  /** The template's column values parsed from the key. */
  values: Readonly<Record<string, string>>;
}

/** What one look at a key found: the comparison, with what was read on both sides. */
export interface Inspection {
  cacheKey: string;
  source: Source;
  key: SourceKey;
  comparison: EntryComparison;
  entry: CachedEntry;
  row: RowText | null;
}

/** A key whose entry could not be compared with its row (a defect, never an outcome): its caller counts and skips it. */
export interface FailedInspection {
  cacheKey: string;
  source: Source;
  error: Error;
}

export type InspectionResult = Inspection | FailedInspection;

export function isFailed(x: InspectionResult): x is FailedInspection {
  return 'error' in x;
}

/**
 * Compares cache keys of declared sources with their rows, many at a time: one pipelined cache read,
 * then one query per key template. The cache is read first: an application writes its cache after its
 * commit, so an entry read before its row cannot look newer because a write landed in between.
 */
@Injectable()
export class SourceInspector {
  constructor(
    private readonly cache: CacheService,
    private readonly rows: SourceRows,
  ) {}

  /** Inspects keys; a key whose values cannot be a row's (e.g. `customer:not-a-uuid`) is compared with no row: an orphan. */
  async inspectKeys(keys: readonly KeyToInspect[]): Promise<InspectionResult[]> {
    const entries = await this.readEntries(keys.map((k) => ({ cacheKey: k.cacheKey, key: k.key })));
    const rowsOf: RowText[][] = keys.map(() => []);
    const groups = new Map<SourceKey, number[]>();
    keys.forEach((k, i) => {
      const columns = k.key.template.columns;
      if (!columns.every((c) => acceptsText(k.source.columns[c], k.values[c]))) return;
      groups.set(k.key, [...(groups.get(k.key) ?? []), i]);
    });
    for (const [key, members] of groups) {
      const source = keys[members[0]].source;
      const found = await this.rows.byValues(
        source,
        key.template.columns,
        members.map((i) => key.template.columns.map((c) => keys[i].values[c])),
      );
      members.forEach((i, j) => (rowsOf[i] = found[j]));
    }
    return keys.map((k, i) => this.bestMatch(k.source, k.key, k.cacheKey, rowsOf[i], entries[i]));
  }

  /** Inspects every key of each row (the sweep's path): one pipelined read of all of them. */
  async inspectRows(source: Source, rows: readonly RowText[]): Promise<InspectionResult[]> {
    // A row with NULL in a key's column has no such key. Plain loops: a sweep runs this for every row.
    const targets: { row: RowText; key: SourceKey; cacheKey: string }[] = [];
    for (const row of rows) {
      for (const key of source.keys) {
        if (key.template.columns.some((c) => row[c] === null)) continue;
        targets.push({ row, key, cacheKey: key.template.render(row as Record<string, string>) });
      }
    }
    const entries = await this.readEntries(targets);
    return targets.map((t, i) => this.inspection(source, t.key, t.cacheKey, t.row, entries[i]));
  }

  private readEntries(targets: readonly { cacheKey: string; key: SourceKey }[]): Promise<CachedEntry[]> {
    return this.cache.readValues(targets.map((t) => ({ key: t.cacheKey, type: t.key.format === 'hash' ? 'hash' : 'string' })));
  }

  /** A key that several rows could stand for (a template over non-unique columns) lies only if it matches none of them. */
  private bestMatch(source: Source, key: SourceKey, cacheKey: string, rows: readonly RowText[], entry: CachedEntry): InspectionResult {
    if (rows.length === 0) return this.inspection(source, key, cacheKey, null, entry);
    const all = rows.map((row) => this.inspection(source, key, cacheKey, row, entry));
    return all.find((x) => !isFailed(x) && x.comparison.outcome === 'consistent') ?? all[0];
  }

  /** One comparison; a failure is returned, never thrown, so the rest of a batch or page proceeds. */
  private inspection(source: Source, key: SourceKey, cacheKey: string, row: RowText | null, entry: CachedEntry): InspectionResult {
    try {
      const comparison = compareEntry({ shape: key.shape, kinds: source.kinds, versionColumn: source.version, row, entry });
      return { cacheKey, source, key, comparison, entry, row };
    } catch (err) {
      return { cacheKey, source, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }
}
