import { isNumber, LosslessNumber, stringify } from 'lossless-json';
import type { ColumnKind } from './column-kind';
import { fitsDouble } from './decimal';
import type { CachedEntry, KeyFormat, KeyShape, RowText } from './entry-types';
import { isUnreadable, numberText, setOwn, stringifyJson, tryParseJson } from './json-value';
import { cachedField, columnText, kindOf, mappedFields, readEntry } from './read-entry';
import type { ReadableEntry } from './read-entry';
import { DEFAULT_ISO_STYLE, dayOf, epochMillis, formatDate, formatIso, readCachedInstant, readDbInstant } from './timestamp';

/**
 * The value to write back when healing: the row in the application's own format. Each field copies how the observed
 * entry wrote it (number or numeric string, ISO text at its precision and offset or epoch ms, "1"/"true", JSON as a
 * value or as text); fields it lacks get a natural default; cache fields outside the mapping are kept. Returns JSON
 * text or column text for json and string keys, the fields for a hash.
 */
export function renderEntry(
  shape: KeyShape,
  kinds: Readonly<Record<string, ColumnKind>>,
  row: RowText,
  observed: CachedEntry,
): string | Record<string, string> {
  const reading = observed ? readEntry(shape.format, observed) : null;
  const seen: ReadableEntry | null = reading && !('unreadable' in reading) ? reading : null;
  const seenFields = seen && 'fields' in seen ? seen.fields : {};
  const seenField = (field: string): unknown => (seen ? cachedField(seen, field) : undefined);

  if (shape.format === 'string') {
    const text = columnText(row, shape.column);
    // No text can stand for NULL in a string key (every present value is some text); the caller should delete the key.
    if (text === null) throw new Error(`column ${shape.column} is NULL, which a string key cannot hold`);
    return renderText(kindOf(kinds, shape.column), text, seenField(shape.column));
  }

  if (shape.format === 'hash') {
    const hash: Record<string, string> = {};
    for (const key of Object.keys(seenFields)) {
      const value = seenFields[key];
      if (typeof value === 'string') setOwn(hash, key, value);
    }
    for (const [field, column] of mappedFields(shape)) {
      const text = columnText(row, column);
      if (text === null) delete hash[field];
      else setOwn(hash, field, renderText(kindOf(kinds, column), text, seenField(field)));
    }
    return hash;
  }

  // JSON text is assembled from fragments so that a json column's text goes in as is, however deep it is.
  const fragments = new Map<string, string>();
  for (const key of Object.keys(seenFields)) fragments.set(key, stringifyJson(seenFields[key]));
  for (const [field, column] of mappedFields(shape)) {
    fragments.set(field, renderJsonFragment(kindOf(kinds, column), columnText(row, column), seenField(field)));
  }
  return `{${[...fragments].map(([key, fragment]) => `${JSON.stringify(key)}:${fragment}`).join(',')}}`;
}

/** A column's text in a hash field or string value. */
function renderText(kind: ColumnKind, text: string, seen: unknown): string {
  switch (kind) {
    case 'boolean':
      if (seen === '1' || seen === '0') return text === 'true' ? '1' : text === 'false' ? '0' : text;
      return text;
    case 'timestamp':
    case 'date': {
      const rendered = renderInstant(kind, text, seen, 'hash');
      return rendered.number ?? rendered.text;
    }
    default:
      return text;
  }
}

/** A column's value as a JSON fragment for a json key. */
function renderJsonFragment(kind: ColumnKind, text: string | null, seen: unknown): string {
  if (text === null) return 'null';
  switch (kind) {
    case 'integer':
    case 'decimal': {
      const asNumber = numberText(seen) !== null || (typeof seen !== 'string' && fitsDouble(text));
      // Written with its exact digits, never through a double.
      return asNumber && isNumber(text) ? (stringify(new LosslessNumber(text)) ?? JSON.stringify(text)) : JSON.stringify(text);
    }
    case 'timestamp':
    case 'date': {
      const rendered = renderInstant(kind, text, seen, 'json');
      return rendered.number ?? JSON.stringify(rendered.text);
    }
    case 'boolean':
      return text === 'true' || text === 'false' ? text : JSON.stringify(text);
    case 'json':
      // JSON text in a string when that is how the cache held it; otherwise the value itself, which the text already is.
      return typeof seen === 'string' && !isUnreadable(tryParseJson(seen)) ? JSON.stringify(text) : text;
    case 'text':
      return JSON.stringify(text);
  }
}

/** A timestamp or date as epoch ms (`number`, digits) or as text, in the style of the value seen, else ISO / 'YYYY-MM-DD'. */
function renderInstant(kind: 'timestamp' | 'date', text: string, seen: unknown, format: KeyFormat): { text: string; number?: string } {
  const db = readDbInstant(text);
  if (db === null || typeof db === 'string') return { text };
  const seenInstant = readCachedInstant(seen, format, kind === 'timestamp');
  const seenStyle = seenInstant !== null && typeof seenInstant === 'object' ? seenInstant.style : null;
  if (seenStyle === 'epoch-ms') return { text, number: String(epochMillis(db.ns)) };
  if (seenStyle && seenStyle !== 'date') return { text: formatIso(db.ns, seenStyle) };
  if (kind === 'date') return { text: formatDate(dayOf(db.ns)) };
  return { text: formatIso(db.ns, DEFAULT_ISO_STYLE) };
}
