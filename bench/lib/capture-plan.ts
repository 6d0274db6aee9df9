/**
 * The plans of the relay's claim (libs/consistency/src/capture/change-log.ts) on change logs the
 * planner knows nothing about: a copy of `source_changes` (LIKE … INCLUDING ALL: columns, defaults,
 * primary key) holding `rows` changes that was never analysed (autovacuum off for it, pg_class.reltuples
 * = -1), and one analysed while empty and filled afterwards (statistics saying "no rows"); as a
 * diagnostic, a never-analysed one holding a tenth of that. Each
 * statement is explained as the relay runs it (custom plan for its parameters, with EXPLAIN ANALYZE
 * inside a rolled-back transaction) and as a cached generic plan (PREPARE under
 * plan_cache_mode = force_generic_plan). Index-driven: the primary key's index is scanned, no Seq Scan.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { ROOT } from './cli';

/** Today's statements, as change-log.ts writes them for `source_changes` (checked against its text below). */
export const CLAIM_SQL = 'SELECT * FROM source_changes ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED';
export const DELETE_SQL = 'DELETE FROM source_changes WHERE id = ANY($1::bigint[])';
const SOURCE_FILE = 'libs/consistency/src/capture/change-log.ts';

/** True when change-log.ts still runs exactly these statements (with its table name in place of source_changes). */
export function claimSqlMatchesSource(): boolean {
  const text = readFileSync(join(ROOT, SOURCE_FILE), 'utf8');
  return [CLAIM_SQL, DELETE_SQL].every((sql) => text.includes(sql.replace('source_changes', '${table}')));
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

export interface PlanCheck {
  scenario: string;
  statement: 'claim' | 'delete';
  plan: 'custom (EXPLAIN ANALYZE)' | 'generic (cached)';
  /** Node types, depth first, with the index or relation they read. */
  nodes: string[];
  /** The scan node's estimate of the rows it returns, and (custom plans) what it returned. */
  scanEstimatedRows?: number;
  scanActualRows?: number;
  executionMs?: number;
  primaryKeyIndexScan: boolean;
  indexDriven: boolean;
  json: unknown;
}

function walk(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  out.push(node);
  for (const child of node.Plans ?? []) walk(child, out);
  return out;
}

async function explain(
  pg: Client,
  scenario: string,
  statement: PlanCheck['statement'],
  kind: PlanCheck['plan'],
  sql: string,
  params: unknown[],
  pkIndex: string,
): Promise<PlanCheck> {
  const { rows } = await pg.query(sql, params);
  const json = rows[0]['QUERY PLAN'];
  const top = json[0] as { Plan: PlanNode; 'Execution Time'?: number };
  const nodes = walk(top.Plan);
  const scan = nodes.find((n) => /Scan$/.test(n['Node Type']));
  const usesPk = nodes.some((n) => /Index/.test(n['Node Type']) && n['Index Name'] === pkIndex);
  return {
    scenario,
    statement,
    plan: kind,
    nodes: nodes.map(
      (n) => `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}`,
    ),
    scanEstimatedRows: scan?.['Plan Rows'],
    scanActualRows: scan?.['Actual Rows'],
    executionMs: top['Execution Time'],
    primaryKeyIndexScan: nodes.some((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === pkIndex),
    indexDriven: usesPk && !nodes.some((n) => n['Node Type'] === 'Seq Scan'),
    json,
  };
}

export interface ClaimPlans {
  rows: number;
  claimSql: string;
  deleteSql: string;
  claimSqlMatchesSource: boolean;
  scenarios: {
    name: string;
    schema: string;
    rows: number;
    /** Not part of allIndexDriven: a small backlog, where a Seq Scan is the cheaper plan anyway. */
    diagnostic: boolean;
    reltuples: number;
    relpages: number;
    lastAnalyze: string | null;
  }[];
  checks: PlanCheck[];
  /** Every statement, scenario (but the diagnostic one) and plan kind scans the primary key's index, never the table. */
  allIndexDriven: boolean;
}

/** Builds the two change logs in schemas of their own, explains, and drops them (unless `keep`). */
export async function checkClaimPlans(
  pg: Client,
  { rows, batch, keep }: { rows: number; batch: number; keep: boolean },
): Promise<ClaimPlans> {
  const live = (await pg.query<{ t: string }>(`SELECT to_regclass('source_changes')::text AS t`)).rows[0].t;
  if (!live) throw new Error('no source_changes table: is the database migrated?');
  const scenarios: ClaimPlans['scenarios'] = [];
  const checks: PlanCheck[] = [];
  const ids = Array.from({ length: batch }, (_, i) => String(i + 1));
  const small = Math.max(100, Math.round(rows / 10));
  for (const [name, schema, analyseEmpty, n, diagnostic] of [
    ['never analysed', 'bench_plan_never_analysed', false, rows, false],
    ['analysed while empty, then filled', 'bench_plan_empty_stats', true, rows, false],
    [`never analysed, ${small} rows (diagnostic)`, 'bench_plan_small', false, small, true],
  ] as const) {
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.query(`CREATE SCHEMA ${schema}`);
    await pg.query(`CREATE TABLE ${schema}.source_changes (LIKE ${live} INCLUDING ALL) WITH (autovacuum_enabled = false)`);
    if (analyseEmpty) await pg.query(`ANALYZE ${schema}.source_changes`);
    await pg.query(
      `INSERT INTO ${schema}.source_changes (id, source, op, old_keys, new_keys)
       SELECT g, 'acct_watch', 'update', jsonb_build_object('id', g::text, 'updated_at', now()::text),
              jsonb_build_object('id', g::text, 'updated_at', clock_timestamp()::text)
         FROM generate_series(1, $1::bigint) AS g`,
      [n],
    );
    const { rows: stats } = await pg.query(
      `SELECT c.reltuples, c.relpages, s.last_analyze, s.last_autoanalyze,
              (SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
         FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = '${schema}.source_changes'::regclass`,
    );
    const st = stats[0];
    if (!analyseEmpty && (Number(st.reltuples) !== -1 || st.last_analyze || st.last_autoanalyze)) {
      throw new Error(`${schema}.source_changes was analysed (reltuples ${st.reltuples}): not the never-analysed case`);
    }
    scenarios.push({
      name,
      schema,
      rows: n,
      diagnostic,
      reltuples: Number(st.reltuples),
      relpages: Number(st.relpages),
      lastAnalyze: st.last_analyze ? new Date(st.last_analyze).toISOString() : null,
    });
    const pk = String(st.pk).replace(/^.*\./, '');
    await pg.query(`SET search_path = ${schema}`);
    try {
      // As the relay runs them: parameters bound, planned for them (an unnamed statement), executed and rolled back.
      await pg.query('BEGIN');
      try {
        const analyse = 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ';
        checks.push(await explain(pg, name, 'claim', 'custom (EXPLAIN ANALYZE)', analyse + CLAIM_SQL, [batch], pk));
        checks.push(await explain(pg, name, 'delete', 'custom (EXPLAIN ANALYZE)', analyse + DELETE_SQL, [ids], pk));
      } finally {
        await pg.query('ROLLBACK');
      }
      // A cached plan: what a prepared statement (or a later driver that names its statements) would keep using.
      await pg.query(`SET plan_cache_mode = force_generic_plan`);
      try {
        await pg.query(`PREPARE bench_claim(int) AS ${CLAIM_SQL}`);
        await pg.query(`PREPARE bench_delete(bigint[]) AS ${DELETE_SQL}`);
        checks.push(await explain(pg, name, 'claim', 'generic (cached)', `EXPLAIN (FORMAT JSON) EXECUTE bench_claim(${batch})`, [], pk));
        checks.push(
          await explain(pg, name, 'delete', 'generic (cached)', `EXPLAIN (FORMAT JSON) EXECUTE bench_delete('{${ids.join(',')}}')`, [], pk),
        );
      } finally {
        await pg.query('DEALLOCATE ALL');
        await pg.query('RESET plan_cache_mode');
      }
    } finally {
      await pg.query('RESET search_path');
    }
    if (!keep) await pg.query(`DROP SCHEMA ${schema} CASCADE`);
  }
  return {
    rows,
    claimSql: CLAIM_SQL,
    deleteSql: DELETE_SQL,
    claimSqlMatchesSource: claimSqlMatchesSource(),
    scenarios,
    checks,
    allIndexDriven: checks.every((c) => c.indexDriven || scenarios.find((x) => x.name === c.scenario)!.diagnostic),
  };
}
