import type { Source } from '@app/sources';
import { KeyCheck, subjectOf } from '../queues';
import type { TimelineEntry } from '../records';

/** One captured change to a declared source's table: its key columns' text before and after. */
export interface SourceChange {
  id: string;
  source: string;
  op: 'insert' | 'update' | 'delete';
  oldKeys: Record<string, string | null> | null;
  newKeys: Record<string, string | null> | null;
  changedAt: Date;
}

/** What the relay does for a batch of a source's changes. */
export interface SourceChangePlan {
  /** Keys to delete first (`onChange: invalidate`). */
  invalidate: string[];
  /** Keys to rewrite from their rows first, where they hold something else (`onChange: refresh`). */
  refresh: string[];
  checks: (KeyCheck & { delayMs?: number })[];
  /** Each change, for the timeline of every key it touches. */
  traces: { subject: string; entry: TimelineEntry }[];
}

/** The cache keys a row's key columns render; none for a template whose column is NULL. */
export function keysOf(source: Source, columns: Record<string, string | null> | null): string[] {
  if (!columns) return [];
  return source.keys
    .filter((k) => k.template.columns.every((c) => columns[c] !== null && columns[c] !== undefined))
    .map((k) => k.template.render(columns as Record<string, string>));
}

/**
 * Plans a batch of changes: every key an update or delete touches, from the row before and after (an
 * email that changed leaves `customer:by-email:{old}` to check too), is checked `checkDelayMs` after
 * the change (the application writes its cache after its commit), once per batch, and again after
 * the post-write delay as an SLI sample. Inserts are skipped: nothing can be cached for a row that
 * did not exist.
 */
export function planSourceChanges(
  changes: readonly SourceChange[],
  sourceOf: (name: string) => Source | undefined,
  delays: { immediateMs: number; postWriteMs: number },
): SourceChangePlan {
  const plan: SourceChangePlan = { invalidate: [], refresh: [], checks: [], traces: [] };
  const checkedNow = new Set<string>();
  for (const c of changes) {
    const source = sourceOf(c.source);
    if (!source || c.op === 'insert') continue; // a source no longer declared: nothing to check against
    const keys = [...new Set([...keysOf(source, c.oldKeys), ...keysOf(source, c.newKeys)])];
    const version = (cols: SourceChange['oldKeys']) => (source.version !== undefined ? (cols?.[source.version] ?? null) : null);
    const entry: TimelineEntry = {
      at: c.changedAt.toISOString(),
      type: 'change',
      op: c.op,
      oldVersion: version(c.oldKeys),
      newVersion: version(c.newKeys),
    };
    const written = version(c.newKeys);
    for (const key of keys) {
      const subject = { source: source.name, key };
      plan.traces.push({ subject: subjectOf(subject), entry });
      if (source.onChange === 'invalidate') plan.invalidate.push(key);
      if (source.onChange === 'refresh') plan.refresh.push(key);
      if (!checkedNow.has(subjectOf(subject))) {
        checkedNow.add(subjectOf(subject));
        plan.checks.push({ ...subject, trigger: 'change', delayMs: source.checkDelayMs ?? delays.immediateMs });
      }
      plan.checks.push({
        ...subject,
        trigger: 'post-change',
        delayMs: delays.postWriteMs,
        writtenAt: c.changedAt.getTime(),
        ...(written !== null ? { version: written } : {}),
      });
    }
  }
  plan.invalidate = [...new Set(plan.invalidate)];
  plan.refresh = [...new Set(plan.refresh)];
  return plan;
}
