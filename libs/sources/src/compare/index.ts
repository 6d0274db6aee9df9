/** Pure comparison of a cached value with the PostgreSQL row it was built from: no I/O, no Nest. */
export { columnKindOf, selectExpression } from './column-kind';
export type { ColumnKind } from './column-kind';
export { compareEntry } from './compare-entry';
export type { CompareInput } from './compare-entry';
export { MAX_DIFF } from './entry-types';
export type { CachedEntry, EntryComparison, EntryOutcome, FieldDiff, KeyFormat, KeyShape, RowText } from './entry-types';
export { fieldEquals } from './field-equal';
export { parseCachedJson } from './json-value';
export { renderEntry } from './render-entry';
export { compareVersions } from './version-order';
