import { selectExpression } from '../compare';
import type { Query } from './describe-sources';
import { quoteIdent, Source } from './source';

/** Every capture trigger, and its function in Polaris's schema, is named `polaris_capture_<source>`. */
const PREFIX = 'polaris_capture_';

interface TriggerRow {
  name: string;
  schema: string;
  table: string;
  body: string;
}

export interface CaptureChanges {
  /** `source on schema.table`, for each trigger created or changed. */
  installed: string[];
  /** `trigger on schema.table`, for each trigger dropped (its source is gone or set to capture: none). */
  removed: string[];
}

/**
 * Makes the capture triggers match the sources: for each source with `capture: trigger`, a function in
 * Polaris's schema (the session's current schema) that logs the captured columns before and after a
 * change, and a row trigger on the table calling it; every other Polaris capture trigger is dropped
 * with its function. The function names each column it logs (jsonb_build_object of their canonical
 * text, as rows are read), several times cheaper than turning the whole row into JSON. A trigger and
 * function already as wanted are left alone, so running it again changes nothing. Run it in a transaction.
 */
export async function installCapture(sources: readonly Source[], query: Query): Promise<CaptureChanges> {
  const [{ schema }] = await query<{ schema: string }>(`SELECT quote_ident(current_schema()) AS schema`, []);
  const existing = await query<TriggerRow>(
    `SELECT t.tgname AS name, n.nspname AS schema, c.relname AS table, p.prosrc AS body
       FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
       JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE t.tgname LIKE $1 AND p.proname = t.tgname AND p.pronamespace = to_regnamespace($2) AND NOT t.tgisinternal`,
    [`${PREFIX}%`, schema],
  );
  const wanted = new Map(
    sources
      .filter((s) => s.capture === 'trigger')
      .map((s) => [`${PREFIX}${s.name} on ${s.tableName}`, { source: s, body: captureBody(s, schema) }]),
  );
  const changes: CaptureChanges = { installed: [], removed: [] };
  const current = new Set<string>();
  for (const t of existing) {
    const id = `${t.name} on ${t.schema}.${t.table}`;
    const want = wanted.get(id);
    if (want && want.body === t.body) {
      current.add(id);
      continue;
    }
    await query(`DROP TRIGGER ${quoteIdent(t.name)} ON ${quoteIdent(t.schema)}.${quoteIdent(t.table)}`, []);
    if (!want) {
      await query(`DROP FUNCTION IF EXISTS ${schema}.${quoteIdent(t.name)}()`, []);
      changes.removed.push(id);
    }
  }
  for (const [id, { source, body }] of wanted) {
    if (current.has(id)) continue;
    const fn = `${schema}.${quoteIdent(PREFIX + source.name)}`;
    await query(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $polaris$${body}$polaris$`, []);
    await query(
      `CREATE TRIGGER ${quoteIdent(PREFIX + source.name)} AFTER INSERT OR UPDATE OR DELETE ON ${source.table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
      [],
    );
    changes.installed.push(`${source.name} on ${source.tableName}`);
  }
  return changes;
}

/** The capture function's body: the captured columns' canonical text before and after the change, into the change log. */
function captureBody(source: Source, schema: string): string {
  const keys = (row: 'OLD' | 'NEW') =>
    `jsonb_build_object(${source.capturedColumns
      .map((name) => {
        const c = source.columns[name];
        return `${quoteLiteral(name)}, ${selectExpression(c.kind, `${row}.${quoteIdent(name)}`, c.pgType)}`;
      })
      .join(', ')})`;
  const insert = (oldKeys: string, newKeys: string) =>
    `INSERT INTO ${schema}.source_changes (source, op, old_keys, new_keys) VALUES (${quoteLiteral(source.name)}, lower(TG_OP), ${oldKeys}, ${newKeys});`;
  return `
BEGIN
  IF TG_OP = 'INSERT' THEN ${insert('NULL', keys('NEW'))}
  ELSIF TG_OP = 'UPDATE' THEN ${insert(keys('OLD'), keys('NEW'))}
  ELSE ${insert(keys('OLD'), 'NULL')}
  END IF;
  RETURN NULL;
END
`;
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
