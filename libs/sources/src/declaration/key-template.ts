/** One part of a key template: literal text, or a `{column}` placeholder. */
export type TemplatePart = { literal: string } | { column: string };

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_$]*)\}/g;

/** Why a template cannot be used; thrown by parseKeyTemplate. */
export class KeyTemplateError extends Error {}

/**
 * A cache key template such as `customer:{id}:profile`: renders a row's key, parses a key back into
 * column values, and gives the SCAN pattern that finds every key it can render.
 */
export class KeyTemplate {
  readonly columns: readonly string[];
  /** Literal characters: the more a template has, the more specific it is among overlapping ones. */
  readonly specificity: number;
  private readonly matcher: RegExp;

  private constructor(
    readonly text: string,
    readonly parts: readonly TemplatePart[],
  ) {
    this.columns = [...new Set(parts.flatMap((p) => ('column' in p ? [p.column] : [])))];
    this.specificity = parts.reduce((n, p) => n + ('literal' in p ? p.literal.length : 0), 0);
    this.matcher = new RegExp(`^${parts.map((p) => ('literal' in p ? escapeRegExp(p.literal) : '(.+?)')).join('')}$`, 's');
  }

  static parse(text: string): KeyTemplate {
    if (text.length === 0) throw new KeyTemplateError('is empty');
    const parts: TemplatePart[] = [];
    let at = 0;
    for (const m of text.matchAll(PLACEHOLDER)) {
      if (m.index > at) parts.push({ literal: text.slice(at, m.index) });
      else if (parts.length && 'column' in parts[parts.length - 1]) {
        throw new KeyTemplateError(
          `has two placeholders with nothing between them ({${(parts[parts.length - 1] as { column: string }).column}}{${m[1]}}), so its keys cannot be parsed back`,
        );
      }
      parts.push({ column: m[1] });
      at = m.index + m[0].length;
    }
    if (at < text.length) parts.push({ literal: text.slice(at) });
    const stray = parts.find((p) => 'literal' in p && /[{}]/.test(p.literal));
    if (stray) throw new KeyTemplateError(`has a '{' or '}' that is not a {column} placeholder`);
    if (!parts.some((p) => 'column' in p)) throw new KeyTemplateError('has no {column} placeholder, so it cannot name a row');
    return new KeyTemplate(text, parts);
  }

  /** A template of literal `prefix` then one column: the built-in source's, whose prefix (CACHE_KEY_PREFIX) may hold any character. */
  static prefixed(prefix: string, column: string): KeyTemplate {
    return new KeyTemplate(`${prefix}{${column}}`, [...(prefix ? [{ literal: prefix }] : []), { column }]);
  }

  /** The key of a row, from its columns' text. */
  render(values: Readonly<Record<string, string>>): string {
    let key = '';
    for (const p of this.parts) key += 'literal' in p ? p.literal : values[p.column];
    return key;
  }

  /**
   * The column values a key was rendered from, or null when it is not this template's key. A column
   * that appears twice must hold the same value both times.
   */
  parse(key: string): Record<string, string> | null {
    const m = this.matcher.exec(key);
    if (!m) return null;
    const values: Record<string, string> = Object.create(null);
    let group = 1;
    for (const p of this.parts) {
      if (!('column' in p)) continue;
      const value = m[group++];
      if (Object.hasOwn(values, p.column) && values[p.column] !== value) return null;
      values[p.column] = value;
    }
    return values;
  }

  /** The SCAN MATCH pattern of every key this template renders: literals glob-escaped, placeholders `*`. */
  scanPattern(): string {
    return this.parts.map((p) => ('literal' in p ? p.literal.replace(/[*?[\]\\]/g, '\\$&') : '*')).join('');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
