import type { ColumnKind, KeyFormat, KeyShape } from '../compare';
import type { Capture, HealPolicy, OnChange } from '../declaration/source-declaration';
import type { KeyTemplate } from '../declaration/key-template';

export interface SourceColumn {
  name: string;
  /** As format_type prints it (`timestamp with time zone`, `numeric(12,2)`): also what a text value is cast to. */
  pgType: string;
  kind: ColumnKind;
}

export interface SourceKey {
  template: KeyTemplate;
  format: KeyFormat;
  shape: KeyShape;
  /** Every column the key's value or name depends on. */
  columns: readonly string[];
}

/** A declared source checked against the database: the table, its columns and how its rows are cached. */
export interface Source {
  name: string;
  /** The demo's items (see builtInDeclaration): healed and captured by the items module, shown first. */
  builtIn: boolean;
  /** The table, quoted and schema-qualified, ready for SQL. */
  table: string;
  /** The table as written for people: schema.table. */
  tableName: string;
  primaryKey: readonly string[];
  version?: string;
  onChange: OnChange;
  heal: HealPolicy;
  checkDelayMs?: number;
  capture: Capture;
  columns: Readonly<Record<string, SourceColumn>>;
  /** Each column's comparison kind (compareEntry's `kinds`). */
  kinds: Readonly<Record<string, ColumnKind>>;
  keys: readonly SourceKey[];
  /** Columns a row is read with: the primary key, the version, and every column a key's name or value uses. */
  readColumns: readonly string[];
  /** Columns the capture trigger records: the primary key, every key template's columns, and the version. */
  capturedColumns: readonly string[];
}

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
