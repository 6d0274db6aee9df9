import Table from 'cli-table3';
import type { JsonValue } from '@app/items';
import type { FieldDiff } from '@app/sources';
import type { MismatchKind, Version } from '../outcome';

export const MISMATCH_KINDS: readonly MismatchKind[] = ['stale', 'ahead', 'corrupt', 'diverged', 'orphan'];

/** A key still inconsistent after the grace re-check, as the last look saw it. */
export interface AuditFinding {
  source: string;
  key: string;
  kind: MismatchKind;
  dbVersion: Version | null;
  cacheVersion: Version | null;
  /** Declared sources: the fields that differ. */
  diff: FieldDiff[] | null;
  dbValue: JsonValue | null;
  cacheValue: JsonValue | null;
}

/** What the audit found in one source. */
export interface SourceAudit {
  source: string;
  /** Rows read and compared with their cache entries. */
  rows: number;
  /** Cache keys compared: each row's keys, and the orphans the search found. */
  checked: number;
  consistent: number;
  /** A row with no cache entry: a read-through cache's normal state. */
  miss: number;
  /** Keys still inconsistent after the grace re-check, by kind. */
  inconsistent: Record<MismatchKind, number>;
  /** Mismatches that a re-check saw healed or moved on: writes in flight, not reported. */
  settled: number;
  /** Entries that could not be compared with their row (a defect; see the logs). */
  uncomparable: number;
  /** Cache keys scanned in the orphan search; null when it was skipped (--limit, --sample). */
  keysScanned: number | null;
  seconds: number;
}

export interface AuditReport {
  startedAt: string;
  finishedAt: string;
  seconds: number;
  options: { sources: string[]; limit: number | null; sample: number | null; maxRate: number | null; gracePeriodMs: number };
  /** True when no key is inconsistent after the re-check and every entry could be compared. */
  consistent: boolean;
  sources: SourceAudit[];
  inconsistencies: AuditFinding[];
  /** Keys that could not be compared, with why (the first 100). */
  uncomparable: { source: string; key: string; error: string }[];
}

export const AUDIT_EXIT = { consistent: 0, inconsistent: 1, error: 2 } as const;

export function emptySourceAudit(source: string): SourceAudit {
  return {
    source,
    rows: 0,
    checked: 0,
    consistent: 0,
    miss: 0,
    inconsistent: Object.fromEntries(MISMATCH_KINDS.map((k) => [k, 0])) as Record<MismatchKind, number>,
    settled: 0,
    uncomparable: 0,
    keysScanned: null,
    seconds: 0,
  };
}

export function inconsistentCount(s: SourceAudit): number {
  return MISMATCH_KINDS.reduce((n, k) => n + s.inconsistent[k], 0);
}

/** 1 when inconsistencies remain; 2 when none do but some entries could not be compared (not everything was verified). */
export function auditExitCode(report: AuditReport): number {
  if (report.sources.some((s) => inconsistentCount(s) > 0)) return AUDIT_EXIT.inconsistent;
  if (report.sources.some((s) => s.uncomparable > 0)) return AUDIT_EXIT.error;
  return AUDIT_EXIT.consistent;
}

/** The summary table printed at the end: a column per source, and a total when there are several. */
export function summaryTable(report: AuditReport): string {
  const columns = report.sources.length > 1 ? [...report.sources, totalOf(report)] : report.sources;
  const table = new Table({
    head: ['', ...columns.map((s) => s.source)],
    style: { head: [], border: [] },
    colAligns: ['left', ...columns.map(() => 'right' as const)],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }, // no rule between lines
  });
  const line = (label: string, cell: (s: SourceAudit) => string) => table.push([label, ...columns.map(cell)]);
  line('rows', (s) => count(s.rows));
  line('keys checked', (s) => count(s.checked));
  line('consistent', (s) => count(s.consistent));
  line('not cached', (s) => count(s.miss));
  for (const kind of MISMATCH_KINDS) line(kind, (s) => count(s.inconsistent[kind]));
  line('settled in grace', (s) => count(s.settled));
  line('uncomparable', (s) => count(s.uncomparable));
  line('orphan search', (s) => (s.keysScanned === null ? 'skipped' : `${count(s.keysScanned)} scanned`));
  line('time', (s) => `${s.seconds.toFixed(1)} s`);
  return table.toString();
}

/** One sentence for the end of the output. */
export function verdict(report: AuditReport): string {
  const total = totalOf(report);
  const found = inconsistentCount(total);
  const checked = `${count(total.checked)} cache keys of ${count(total.rows)} rows in ${report.seconds.toFixed(1)} s`;
  if (found > 0)
    return `INCONSISTENT: ${count(found)} keys still differ from PostgreSQL after the ${report.options.gracePeriodMs} ms grace re-check (${checked})`;
  if (total.uncomparable > 0)
    return `NOT VERIFIED: ${count(total.uncomparable)} entries could not be compared with their rows (${checked})`;
  return `CONSISTENT: ${checked}`;
}

function totalOf(report: AuditReport): SourceAudit {
  const total = emptySourceAudit('total');
  for (const s of report.sources) {
    total.rows += s.rows;
    total.checked += s.checked;
    total.consistent += s.consistent;
    total.miss += s.miss;
    for (const k of MISMATCH_KINDS) total.inconsistent[k] += s.inconsistent[k];
    total.settled += s.settled;
    total.uncomparable += s.uncomparable;
    if (s.keysScanned !== null) total.keysScanned = (total.keysScanned ?? 0) + s.keysScanned;
  }
  total.seconds = report.seconds;
  return total;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
