import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';
import { RowText, selectExpression } from '../compare';
import { quoteIdent, Source, SourceColumn } from '../registry/source';

/** Types whose text cast back is safe to compare with an index: any text is a valid value of them or is refused by acceptsText. */
const INDEXABLE_TEXT_TYPES = /^(text|character varying(\(\d+\))?|character(\(\d+\))?|uuid|citext|name)$/;

/**
 * Whether a key's text can be a value of the column; keys that cannot are unparsable, never
 * looked up (a cast of bad text would fail the whole batch's query).
 */
export function acceptsText(column: SourceColumn, text: string): boolean {
  switch (column.kind) {
    case 'integer':
      return /^-?\d{1,19}$/.test(text) && BigInt(text) <= 9223372036854775807n && BigInt(text) >= -9223372036854775808n;
    case 'decimal':
      return /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text);
    case 'boolean':
      return /^(true|false|t|f|1|0)$/i.test(text);
    case 'date':
    case 'timestamp':
      return !Number.isNaN(Date.parse(text));
    default:
      return column.pgType !== 'uuid' || /^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$/i.test(text);
  }
}

/**
 * A column compared with a key's text: through the column's type where that can use an index, and as
 * text otherwise (enums and other types whose cast of unknown text would fail).
 */
function matchColumn(column: SourceColumn, param: string): string {
  const col = `t.${quoteIdent(column.name)}`;
  if (column.kind !== 'text' || INDEXABLE_TEXT_TYPES.test(column.pgType)) return `${col} = ${param}::${column.pgType}`;
  return `${col}::text = ${param}`;
}

/** A page's last primary key, where the next keyset page starts (see SourceRows.page). */
export function lastKeyOf(source: Source, page: readonly RowText[]): string[] {
  return source.primaryKey.map((c) => page[page.length - 1][c] as string);
}

/** Reads a source's rows with every column as its canonical text (see selectExpression). */
@Injectable()
export class SourceRows {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /**
   * The rows whose `columns` hold each tuple of values: result[i] lists the rows of tuples[i]
   * (usually one; none when the row is gone). One query for the whole batch.
   */
  async byValues(source: Source, columns: readonly string[], tuples: readonly (readonly string[])[]): Promise<RowText[][]> {
    const found: RowText[][] = tuples.map(() => []);
    if (tuples.length === 0) return found;
    const rows = await sqlRows<RowText & { ord: string }>(
      this.manager,
      `SELECT ${selectList(source)}, u.ord ${matching(source, columns)}`,
      params(tuples, columns),
    );
    for (const { ord, ...row } of rows) found[Number(ord) - 1].push(row);
    return found;
  }

  /** Whether some row holds each tuple of values (the orphan search: no row, no key). One query for the batch. */
  async exist(source: Source, columns: readonly string[], tuples: readonly (readonly string[])[]): Promise<boolean[]> {
    if (tuples.length === 0) return [];
    const rows = await sqlRows<{ ord: string }>(
      this.manager,
      `SELECT DISTINCT u.ord ${matching(source, columns)}`,
      params(tuples, columns),
    );
    const found = new Set(rows.map((r) => Number(r.ord) - 1));
    return tuples.map((_, i) => found.has(i));
  }

  /**
   * One keyset page in primary-key order after `after` (the last page's last key; null to start).
   * With `sample` (0 < sample < 1) each row is taken with that probability: PostgreSQL still walks the
   * index, but only the sample is sent, read from the cache and compared.
   */
  async page(source: Source, after: readonly string[] | null, limit: number, sample?: number): Promise<RowText[]> {
    const pk = source.primaryKey.map((c) => `t.${quoteIdent(c)}`);
    const params: unknown[] = [limit, ...(after ?? [])];
    const where: string[] = [];
    if (after) where.push(`(${pk.join(', ')}) > (${source.primaryKey.map((c, j) => `$${j + 2}::${source.columns[c].pgType}`).join(', ')})`);
    if (sample !== undefined) where.push(`random() < $${params.push(sample)}::float8`);
    return sqlRows<RowText>(
      this.manager,
      `SELECT ${selectList(source)} FROM ${source.table} t ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${pk.join(', ')} LIMIT $1`,
      params,
    );
  }

  /** About how many rows the table holds: the planner's estimate, or a count when the table was never analysed. */
  async estimateCount(source: Source): Promise<number> {
    const [row] = await sqlRows<{ n: string | null }>(
      this.manager,
      `SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass`,
      [source.table],
    );
    const estimate = row?.n === null || row?.n === undefined ? -1 : Number(row.n);
    if (estimate >= 0) return estimate;
    const [counted] = await sqlRows<{ n: string }>(this.manager, `SELECT count(*) AS n FROM ${source.table}`);
    return Number(counted.n);
  }
}

/** FROM the tuples (numbered `u.ord`, from 1), joined with the rows whose `columns` hold them. */
function matching(source: Source, columns: readonly string[]): string {
  const cols = columns.map((c) => source.columns[c]);
  const aliases = cols.map((_, j) => `c${j}`);
  return `FROM unnest(${aliases.map((_, j) => `$${j + 1}::text[]`).join(', ')}) WITH ORDINALITY AS u(${aliases.join(', ')}, ord)
    JOIN ${source.table} t ON ${cols.map((c, j) => matchColumn(c, `u.${aliases[j]}`)).join(' AND ')}`;
}

/** The tuples as one text array per column. */
function params(tuples: readonly (readonly string[])[], columns: readonly string[]): string[][] {
  return columns.map((_, j) => tuples.map((t) => t[j]));
}

/** The columns a row is read with (Source.readColumns), each as its canonical text under its own name. */
function selectList(source: Source): string {
  return source.readColumns
    .map((name) => source.columns[name])
    .map((c) => `${selectExpression(c.kind, `t.${quoteIdent(c.name)}`, c.pgType)} AS ${quoteIdent(c.name)}`)
    .join(', ');
}
