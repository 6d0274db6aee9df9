import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheService } from '@app/cache';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import {
  FailedInspection,
  Inspection,
  InspectionResult,
  isFailed,
  KeyToInspect,
  lastKeyOf,
  OrphanFinder,
  RowText,
  Source,
  SourceInspector,
  SourceRegistry,
  SourceRows,
} from '@app/sources';
import { Detected, detectedOf, isOutage, sameDivergence, stillDivergent, toObservation, versionOrder } from '../checks';
import { isMismatch, MismatchKind, Observation } from '../outcome';
import { recheckVerdict } from './audit-decision';
import { AuditOptions, AuditUsageError } from './audit-options';
import type { AuditProgress } from './audit-progress';
import { AuditFinding, AuditReport, emptySourceAudit, SourceAudit } from './audit-report';

/** How many more looks a declared source's key gets while each look finds it moved on (a key written continuously). */
const MAX_RECHECKS = 3;
const MAX_ERRORS_REPORTED = 100;
/** A read that fails because PostgreSQL or Redis did not answer is tried this many times, a second apart, before the audit gives up (exit 2). */
const READ_ATTEMPTS = 5;
const READ_RETRY_DELAY_MS = 1000;
/**
 * Cache keys a source's rows phase remembers having found (about 100 bytes each), so its orphan search
 * asks PostgreSQL only about the others: asking about every key tripled that phase on 1M rows. Past
 * this, keys are asked about again, which is only slower.
 */
const REMEMBERED_KEYS = 2_000_000;

/** A mismatch waiting for its look after the grace period. */
interface Suspect {
  target: KeyToInspect;
  audit: SourceAudit;
  /** What the previous look saw. */
  seen: Detected;
  dueAt: number;
  rechecks: number;
}

/** One audit's shared state. */
interface AuditRun {
  options: AuditOptions;
  progress: AuditProgress;
  pace: Pace;
  pageSize: number;
  suspects: Suspect[];
  /** Whether sources get an orphan search (not in a partial audit). */
  orphanSearch: boolean;
  /** The current source's keys its rows phase found cached: their rows existed, so they are no orphans. */
  cached: Set<string>;
  findings: AuditFinding[];
  errors: AuditReport['uncomparable'];
}

/**
 * The one-shot audit (`audit`): one pass over every guarded source, now, reading exactly as the
 * sweeper does (keyset pages of rows, one pipelined cache read per page, compared in memory, the next
 * page read while this one is compared; then a SCAN of each key template for orphans, asking PostgreSQL
 * only about keys the rows phase did not find). Each mismatch is looked at again after the grace
 * period and judged by the lifecycle's own confirmation rule, so a write in flight is not reported.
 * It writes nothing: no record, no job, no heal.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly registry: SourceRegistry,
    private readonly rows: SourceRows,
    private readonly inspector: SourceInspector,
    private readonly orphans: OrphanFinder,
    private readonly cache: CacheService,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  /** The sources to audit: those named, else every guarded one (the built-in items first). */
  select(names: readonly string[]): Source[] {
    const all = [this.registry.builtIn, ...this.registry.sources].filter((s): s is Source => s !== undefined);
    if (names.length === 0) return all;
    const unknown = names.filter((n) => !this.registry.get(n));
    if (unknown.length) {
      throw new AuditUsageError(
        `no source named ${unknown.map((n) => `"${n}"`).join(', ')}; the guarded sources are ${all.map((s) => s.name).join(', ')}`,
      );
    }
    return [...new Set(names)].map((n) => this.registry.get(n)!);
  }

  async run(options: AuditOptions, progress: AuditProgress): Promise<AuditReport> {
    const sources = this.select(options.sources);
    await this.cache.ready(READ_ATTEMPTS * READ_RETRY_DELAY_MS);
    const started = Date.now();
    const { batchSize } = this.cfg.sweep;
    const run: AuditRun = {
      options,
      progress,
      pace: new Pace(options.maxRate),
      // Under --max-rate, pages small enough for several per second, so the pace is even.
      pageSize: options.maxRate ? Math.max(1, Math.min(batchSize, Math.floor(options.maxRate / 4))) : batchSize,
      suspects: [],
      orphanSearch: !this.partial(options),
      cached: new Set(),
      findings: [],
      errors: [],
    };
    const estimates = await Promise.all(sources.map((s) => this.rows.estimateCount(s)));
    progress.start(estimates.reduce((n, e) => n + Math.min(Math.round(e * (options.sample ?? 1)), options.limit ?? Infinity), 0));
    const audits: SourceAudit[] = [];
    for (const source of sources) {
      const audit = emptySourceAudit(source.name);
      const t0 = Date.now();
      run.cached.clear();
      progress.phase(source.name, 'rows');
      await this.compareRows(source, audit, run);
      if (run.orphanSearch) await this.searchOrphans(source, audit, run);
      audit.seconds = (Date.now() - t0) / 1000;
      audits.push(audit);
    }
    await this.recheck(run);
    const finished = Date.now();
    return {
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      seconds: (finished - started) / 1000,
      options: {
        sources: sources.map((s) => s.name),
        limit: options.limit ?? null,
        sample: options.sample ?? null,
        maxRate: options.maxRate ?? null,
        gracePeriodMs: this.cfg.gracePeriodMs,
      },
      consistent: audits.every((a) => a.uncomparable === 0) && run.findings.length === 0,
      sources: audits,
      inconsistencies: run.findings,
      uncomparable: run.errors,
    };
  }

  /** A limited or sampled audit reads part of the rows, so it cannot tell an orphan from a key of a row it skipped. */
  private partial(options: AuditOptions): boolean {
    return options.limit !== undefined || (options.sample !== undefined && options.sample < 1);
  }

  /** The sweeper's rows phase: keyset pages, the next one read while this one is compared. */
  private async compareRows(source: Source, audit: SourceAudit, run: AuditRun): Promise<void> {
    const limit = run.options.limit ?? Infinity;
    const sample = run.options.sample !== undefined && run.options.sample < 1 ? run.options.sample : undefined;
    type Read = { page: Promise<RowText[]>; size: number };
    const read = (after: string[] | null): Read => {
      const size = Math.min(run.pageSize, limit - audit.rows);
      const page = retried(() => this.rows.page(source, after, size, sample));
      page.catch(() => undefined); // awaited next round
      return { page, size };
    };
    let next: Read | null = read(null);
    while (next) {
      const size: number = next.size;
      const page: RowText[] = await next.page;
      audit.rows += page.length;
      await run.pace.take(page.length);
      next = page.length === size && audit.rows < limit ? read(lastKeyOf(source, page)) : null;
      this.tally(audit, await retried(() => this.inspector.inspectRows(source, page)), run);
      run.progress.rows(page.length);
    }
  }

  /** The sweeper's keys phase: SCANs each key template's pattern; keys whose row is gone are compared now, and re-checked after the grace period. */
  private async searchOrphans(source: Source, audit: SourceAudit, run: AuditRun): Promise<void> {
    run.progress.phase(source.name, 'keys');
    audit.keysScanned = 0;
    for (const key of source.keys) {
      let cursor = '0';
      do {
        const step = await retried(() => this.cache.scanMatch(cursor, key.template.scanPattern(), this.cfg.sweep.batchSize));
        const unseen = step.keys.filter((k) => !run.cached.has(k));
        const { orphans } = await retried(() => this.orphans.find(source, key, unseen));
        if (orphans.length) this.tally(audit, await retried(() => this.inspector.inspectKeys(orphans)), run, orphans);
        audit.keysScanned += step.keys.length;
        run.progress.keys(step.keys.length);
        await run.pace.take(step.keys.length);
        cursor = step.cursor;
      } while (cursor !== '0');
    }
  }

  /** Counts what a look found; each mismatch waits for its look after the grace period. `targets`: the keys inspected, when known. */
  private tally(audit: SourceAudit, inspections: readonly InspectionResult[], run: AuditRun, targets?: readonly KeyToInspect[]): void {
    const dueAt = Date.now() + this.cfg.gracePeriodMs;
    inspections.forEach((x, i) => {
      audit.checked++;
      if (isFailed(x)) return uncomparable(run, audit, x);
      const outcome = x.comparison.outcome;
      if (run.orphanSearch && x.entry !== null && !targets && run.cached.size < REMEMBERED_KEYS) run.cached.add(x.cacheKey);
      if (outcome === 'miss') audit.miss++;
      else if (!isMismatch(outcome)) audit.consistent++;
      else run.suspects.push({ target: targets?.[i] ?? targetOf(x), audit, seen: detectedOf(toObservation(x)), dueAt, rechecks: 0 });
    });
  }

  /**
   * Looks at each mismatch again once its grace period is over, in batches, oldest first. Still the
   * same divergence: reported. Healed, or moved on (a write in flight): settled. A declared source's
   * key that moved on is looked at again after its check delay, as the lifecycle does.
   */
  private async recheck(run: AuditRun): Promise<void> {
    const queue = run.suspects; // in the order they fall due; looks again are appended
    let head = 0;
    while (head < queue.length) {
      run.progress.phase(
        'all sources',
        'grace',
        `${head.toLocaleString('en-US')} done, ${(queue.length - head).toLocaleString('en-US')} waiting`,
      );
      const wait = queue[head].dueAt - Date.now();
      if (wait > 0) await sleep(wait);
      const now = Date.now();
      let end = head;
      while (end < queue.length && end - head < this.cfg.sweep.batchSize && queue[end].dueAt <= now) end++;
      const batch = queue.slice(head, end);
      head = end;
      const looks = await retried(() => this.inspector.inspectKeys(batch.map((s) => s.target)));
      await run.pace.take(batch.length);
      batch.forEach((s, i) => {
        const x = looks[i];
        if (isFailed(x)) return uncomparable(run, s.audit, x);
        const o = toObservation(x);
        const order = versionOrder(x.source);
        const same = s.rechecks === 0 ? sameDivergence(s.seen, o, order) : stillDivergent(s.seen, o, order);
        const v = recheckVerdict(o.outcome, same, !x.source.builtIn);
        if (v === 'again' && s.rechecks < MAX_RECHECKS) {
          queue.push({
            ...s,
            seen: detectedOf(o),
            rechecks: s.rechecks + 1,
            dueAt: Date.now() + (x.source.checkDelayMs ?? this.cfg.immediateCheckDelayMs),
          });
        } else if (v === 'inconsistent') {
          s.audit.inconsistent[o.outcome as MismatchKind]++;
          run.findings.push(finding(x, o));
        } else s.audit.settled++;
      });
    }
  }
}

/** An entry that could not be compared with its row: counted, and the first ones named in the report. */
function uncomparable(run: AuditRun, audit: SourceAudit, x: FailedInspection): void {
  audit.uncomparable++;
  if (run.errors.length < MAX_ERRORS_REPORTED) run.errors.push({ source: x.source.name, key: x.cacheKey, error: x.error.message });
}

/** A long audit survives a blip (a command timing out under load, a failover): an outage's error is retried, anything else fails at once. */
async function retried<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= READ_ATTEMPTS || !isOutage(err)) throw err;
      await sleep(READ_RETRY_DELAY_MS);
    }
  }
}

/** Paces reads to at most `perSecond` on average since the audit began; no limit without it. */
class Pace {
  private readonly started = Date.now();
  private taken = 0;

  constructor(private readonly perSecond?: number) {}

  /** Counts `n` more reads, and waits until they fit the rate. */
  async take(n: number): Promise<void> {
    this.taken += n;
    if (!this.perSecond) return;
    const wait = this.started + (this.taken / this.perSecond) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

/** The key of an inspected row, to be looked at again by key. */
function targetOf(x: Inspection): KeyToInspect {
  const values = Object.fromEntries(x.key.template.columns.map((c) => [c, x.row?.[c] ?? '']));
  return { cacheKey: x.cacheKey, source: x.source, key: x.key, values };
}

function finding(x: Inspection, o: Observation): AuditFinding {
  return {
    source: x.source.name,
    key: x.cacheKey,
    kind: o.outcome as MismatchKind,
    dbVersion: o.dbVersion,
    cacheVersion: o.cacheVersion,
    diff: o.diff ?? null,
    dbValue: o.dbValue,
    cacheValue: o.cacheValue,
  };
}
