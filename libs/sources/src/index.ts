// Sources: the tables and cache keys an application declares in polaris.yaml, checked against the
// database at boot, and the pure comparison of a cached value with its row.
export {
  columnKindOf,
  compareEntry,
  compareVersions,
  fieldEquals,
  MAX_DIFF,
  parseCachedJson,
  renderEntry,
  selectExpression,
} from './compare';
export type { CachedEntry, ColumnKind, CompareInput, EntryComparison, EntryOutcome, FieldDiff, KeyShape, RowText } from './compare';
export { KeyTemplate, KeyTemplateError } from './declaration/key-template';
export { BUILT_IN_SOURCE, DeclarationError, parseDeclaration, readDeclaration } from './declaration/source-declaration';
export type { Capture, HealPolicy, KeyDeclaration, OnChange, SourceDeclaration } from './declaration/source-declaration';
export { OrphanFinder } from './inspect/orphan-finder';
export type { OrphanSearch } from './inspect/orphan-finder';
export { SourceHealer } from './inspect/source-healer';
export { isFailed, SourceInspector } from './inspect/source-inspector';
export type { FailedInspection, Inspection, InspectionResult, KeyToInspect } from './inspect/source-inspector';
export { builtInDeclaration } from './declaration/built-in-source';
export { acceptsText, lastKeyOf, SourceRows } from './inspect/source-rows';
export { installCapture } from './registry/capture-installer';
export type { CaptureChanges } from './registry/capture-installer';
export { describeSources } from './registry/describe-sources';
export type { DescribedSources, Query } from './registry/describe-sources';
export { loadSources, migrateSources } from './registry/load-sources';
export { quoteIdent } from './registry/source';
export type { Source, SourceColumn, SourceKey } from './registry/source';
export { SourceRegistry } from './registry/source.registry';
export type { OwnedKey } from './registry/source.registry';
export { SourceDto, SourceKeyDto } from './dto/source.dto';
export { SourcesModule } from './sources.module';
export { SourcesService } from './sources.service';
