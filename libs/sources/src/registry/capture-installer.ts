import type { Query } from './describe-sources';
import { quoteIdent, Source } from './source';

const CAPTURE_FUNCTION = 'polaris_capture_source_change';
const TRIGGER_PREFIX = 'polaris_capture_';

interface TriggerRow {
  name: string;
  schema: string;
  table: string;
  args: Buffer;
}

export interface CaptureChanges {
  /** `source on schema.table`, for each trigger created or replaced. */
  installed: string[];
  /** `trigger on schema.table`, for each trigger dropped (its source is gone or set to capture: none). */
  removed: string[];
}

/**
 * Makes the capture triggers match the sources: one per source with `capture: trigger`, passing the
 * source name and the columns to log; every other trigger on the capture function is dropped. A
 * trigger already as wanted is left alone, so running it again changes nothing. Run it in a transaction.
 */
export async function installCapture(sources: readonly Source[], query: Query): Promise<CaptureChanges> {
  const existing = await query<TriggerRow>(
    `SELECT t.tgname AS name, n.nspname AS schema, c.relname AS table, t.tgargs AS args
       FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
       JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE p.proname = $1 AND NOT t.tgisinternal`,
    [CAPTURE_FUNCTION],
  );
  const wanted = new Map(
    sources
      .filter((s) => s.capture === 'trigger')
      .map((s) => [`${TRIGGER_PREFIX}${s.name} on ${s.tableName}`, { source: s, args: [s.name, ...s.capturedColumns] }]),
  );
  const changes: CaptureChanges = { installed: [], removed: [] };
  const current = new Set<string>();
  for (const t of existing) {
    const id = `${t.name} on ${t.schema}.${t.table}`;
    const want = wanted.get(id);
    if (want && sameArgs(t.args, want.args)) {
      current.add(id);
      continue;
    }
    await query(`DROP TRIGGER ${quoteIdent(t.name)} ON ${quoteIdent(t.schema)}.${quoteIdent(t.table)}`, []);
    if (!want) changes.removed.push(id);
  }
  for (const [id, { source, args }] of wanted) {
    if (current.has(id)) continue;
    await query(
      `CREATE TRIGGER ${quoteIdent(TRIGGER_PREFIX + source.name)} AFTER INSERT OR UPDATE OR DELETE ON ${source.table}
         FOR EACH ROW EXECUTE FUNCTION ${CAPTURE_FUNCTION}(${args.map(quoteLiteral).join(', ')})`,
      [],
    );
    changes.installed.push(`${source.name} on ${source.tableName}`);
  }
  return changes;
}

/** tgargs holds the arguments as NUL-terminated strings. */
function sameArgs(raw: Buffer, args: readonly string[]): boolean {
  const stored = raw.toString('utf8').split('\0').slice(0, -1);
  return stored.length === args.length && stored.every((a, i) => a === args[i]);
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
