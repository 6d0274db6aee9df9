import type { Source, SourceKey } from './source';

/** A cache key and the declared key template it belongs to. */
export interface OwnedKey {
  source: Source;
  key: SourceKey;
  /** The column values the key was rendered from, as text. */
  values: Record<string, string>;
}

/**
 * The guarded sources, looked up by name or by cache key: the built-in items and the declared ones.
 * Built once at boot; adding a source is a restart.
 */
export class SourceRegistry {
  private readonly byName: ReadonlyMap<string, Source>;
  /** Every key template, most specific first: a key belongs to the first that parses it. */
  private readonly templates: { source: Source; key: SourceKey }[];
  /** The declared sources (polaris.yaml), without the built-in one. */
  readonly sources: readonly Source[];
  /** The built-in items (see builtInDeclaration), when described. */
  readonly builtIn: Source | undefined;

  constructor(all: readonly Source[]) {
    this.sources = all.filter((s) => !s.builtIn);
    this.builtIn = all.find((s) => s.builtIn);
    this.byName = new Map(all.map((s) => [s.name, s]));
    this.templates = all
      .flatMap((source) => source.keys.map((key) => ({ source, key })))
      .sort((a, b) => b.key.template.specificity - a.key.template.specificity);
  }

  get(name: string): Source | undefined {
    return this.byName.get(name);
  }

  /** Which source and key template a cache key belongs to, or null when no declared template renders it. */
  ownerOf(cacheKey: string): OwnedKey | null {
    for (const t of this.templates) {
      const values = t.key.template.parse(cacheKey);
      if (values) return { ...t, values };
    }
    return null;
  }
}
