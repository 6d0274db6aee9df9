/** How a column's canonical text is read when it is compared with a cached value. */
export type ColumnKind = 'integer' | 'decimal' | 'timestamp' | 'date' | 'boolean' | 'json' | 'text';

const KIND_BY_TYPE: Readonly<Record<string, ColumnKind>> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  int: 'integer',
  smallint: 'integer',
  integer: 'integer',
  bigint: 'integer',
  smallserial: 'integer',
  serial: 'integer',
  bigserial: 'integer',
  oid: 'integer',
  numeric: 'decimal',
  decimal: 'decimal',
  real: 'decimal',
  float: 'decimal',
  float4: 'decimal',
  float8: 'decimal',
  'double precision': 'decimal',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamp',
  date: 'date',
  boolean: 'boolean',
  bool: 'boolean',
  json: 'json',
  jsonb: 'json',
};

/** Lower-cased, without type modifiers ('numeric(10,2)', 'timestamp(3) with time zone') and with single spaces. */
function normalizeType(pgType: string): string {
  return pgType
    .toLowerCase()
    .replace(/\(\s*\d+\s*(?:,\s*-?\d+\s*)?\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True for format_type's 'integer[]' / 'character varying(20)[]' and for udt names like '_int4'. */
function isArrayType(pgType: string): boolean {
  const type = normalizeType(pgType);
  return type.endsWith('[]') || type.startsWith('_');
}

/**
 * The comparison kind of a PostgreSQL type, from pg_catalog's format_type or a udt name. Arrays are read as JSON
 * (selectExpression turns them into JSON); money is text because its text carries a currency format.
 */
export function columnKindOf(pgType: string): ColumnKind {
  if (isArrayType(pgType)) return 'json';
  const type = normalizeType(pgType);
  return Object.hasOwn(KIND_BY_TYPE, type) ? KIND_BY_TYPE[type] : 'text';
}

/**
 * The SQL expression that gives a column's canonical text, for an already-quoted identifier; the caller adds the
 * alias. to_json writes timestamps and dates as ISO-8601 whatever the session's DateStyle is.
 */
export function selectExpression(kind: ColumnKind, quotedColumn: string, pgType: string): string {
  switch (kind) {
    case 'timestamp':
    case 'date':
      return `to_json(${quotedColumn}) #>> '{}'`;
    case 'json':
      return isArrayType(pgType) ? `to_json(${quotedColumn})::text` : `${quotedColumn}::text`;
    default:
      return `${quotedColumn}::text`;
  }
}
