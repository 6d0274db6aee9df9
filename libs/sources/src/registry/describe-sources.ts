import { columnKindOf, KeyShape } from '../compare';
import { BUILT_IN_SOURCE, DeclarationError, SourceDeclaration } from '../declaration/source-declaration';
import { quoteIdent, Source, SourceColumn, SourceKey } from './source';

/** Runs one SQL statement and returns its rows (a pg client, or sqlRows on an EntityManager). */
export type Query = <T>(sql: string, params: unknown[]) => Promise<T[]>;

interface TableRow {
  oid: number;
  schema: string;
  name: string;
  kind: string;
}
interface ColumnRow {
  name: string;
  type: string;
}
interface IndexRow {
  primary: boolean;
  columns: string[] | null;
}

export interface DescribedSources {
  sources: Source[];
  /** What works but will be slow or surprising, e.g. a key template whose columns no index covers. */
  warnings: string[];
}

const VERSION_KINDS = ['integer', 'timestamp'];

/**
 * Checks each declaration against the database (the table exists, every named column exists, the
 * version column is a number or a timestamp, there is a primary key) and describes the source. Every
 * problem names the source and the field; they are all thrown at once.
 */
export async function describeSources(
  declarations: readonly SourceDeclaration[],
  query: Query,
  file = 'polaris.yaml',
): Promise<DescribedSources> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const sources: Source[] = [];
  for (const [i, d] of declarations.entries()) {
    const at = `sources[${i}] (${d.name})`;
    const problem = (field: string, message: string) => problems.push(`${at}.${field}: ${message}`);
    const [table] = await query<TableRow>(
      `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)`,
      [d.table],
    );
    if (!table) {
      problem('table', `no table "${d.table}" in the database${d.table.includes('.') ? '' : ' (looked up on the search_path)'}`);
      continue;
    }
    if (table.kind !== 'r' && table.kind !== 'p') {
      problem('table', `"${d.table}" is not a table`);
      continue;
    }
    const columnRows = await query<ColumnRow>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type
         FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [table.oid],
    );
    const columns: Record<string, SourceColumn> = Object.create(null);
    for (const c of columnRows) columns[c.name] = { name: c.name, pgType: c.type, kind: columnKindOf(c.type) };
    const tableName = `${table.schema}.${table.name}`;
    const known = (column: string, field: string): boolean => {
      if (Object.hasOwn(columns, column)) return true;
      problem(field, `no column "${column}" in ${tableName}`);
      return false;
    };
    const indexes = await query<IndexRow>(
      `SELECT i.indisprimary AS primary,
              (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns
         FROM pg_index i WHERE i.indrelid = $1 AND i.indisvalid`,
      [table.oid],
    );
    const before = problems.length;
    const primaryKey = d.primaryKey ?? indexes.find((x) => x.primary)?.columns ?? null;
    if (!primaryKey) problem('primaryKey', `${tableName} has no primary key; declare the columns that identify a row`);
    else if (d.primaryKey) d.primaryKey.forEach((c, j) => known(c, `primaryKey[${j}]`));
    if (d.version !== undefined && known(d.version, 'version') && !VERSION_KINDS.includes(columns[d.version].kind)) {
      problem('version', `column "${d.version}" is ${columns[d.version].pgType}; a version must be an integer or a timestamp`);
    }
    const keys: SourceKey[] = [];
    d.keys.forEach((k, j) => {
      k.template.columns.forEach((c) => known(c, `keys[${j}].key`));
      let shape: KeyShape;
      if (k.format === 'string') {
        known(k.column, `keys[${j}].column`);
        shape = { format: 'string', column: k.column };
      } else {
        const fields = k.fields ?? Object.fromEntries(columnRows.map((c) => [c.name, c.name]));
        for (const [field, column] of Object.entries(fields)) known(column, `keys[${j}].fields.${field}`);
        shape = { format: k.format, fields };
      }
      const valueColumns = shape.format === 'string' ? [shape.column] : Object.values(shape.fields);
      keys.push({ template: k.template, format: k.format, shape, columns: [...new Set([...k.template.columns, ...valueColumns])] });
      if (!indexes.some((x) => x.columns && k.template.columns.every((c) => x.columns!.slice(0, k.template.columns.length).includes(c)))) {
        warnings.push(
          `${at}.keys[${j}].key: no index of ${tableName} covers (${k.template.columns.join(', ')}); looking up a key of "${k.template.text}" scans the table`,
        );
      }
    });
    if (problems.length > before || !primaryKey) continue;
    sources.push({
      name: d.name,
      builtIn: d.name === BUILT_IN_SOURCE,
      table: `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`,
      tableName,
      primaryKey,
      ...(d.version !== undefined ? { version: d.version } : {}),
      onChange: d.onChange,
      heal: d.heal,
      ...(d.checkDelayMs !== undefined ? { checkDelayMs: d.checkDelayMs } : {}),
      capture: d.capture,
      columns,
      kinds: Object.fromEntries(columnRows.map((c) => [c.name, columns[c.name].kind])),
      keys,
      readColumns: [...new Set([...primaryKey, ...(d.version !== undefined ? [d.version] : []), ...keys.flatMap((k) => k.columns)])],
      capturedColumns: [
        ...new Set([...primaryKey, ...keys.flatMap((k) => k.template.columns), ...(d.version !== undefined ? [d.version] : [])]),
      ],
    });
  }
  problems.push(...overlappingTemplates(sources, declarations));
  if (problems.length) throw new DeclarationError(file, problems);
  return { sources, warnings };
}

/** Two templates that differ only in their column names render the same keys: nobody could tell whose a key is. */
function overlappingTemplates(sources: readonly Source[], declarations: readonly SourceDeclaration[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const s of sources) {
    const i = declarations.findIndex((d) => d.name === s.name);
    s.keys.forEach((k, j) => {
      const shape = k.template.parts.map((p) => ('literal' in p ? p.literal : '{}')).join('');
      const at = `sources[${i}] (${s.name}).keys[${j}].key`;
      const other = seen.get(shape);
      if (other) problems.push(`${at}: "${k.template.text}" renders the same keys as ${other}`);
      else seen.set(shape, `${at} "${k.template.text}"`);
    });
  }
  return problems;
}
