import { Inject, Injectable, Logger } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { isFailed, lastKeyOf, OrphanFinder, RowText, Source, SourceInspector, SourceRegistry, SourceRows } from '@app/sources';
import { ComparisonFailures } from '../checks';
import { isMismatch } from '../outcome';
import { CheckScheduler, KeyCheck } from '../queues';
import { InconsistenciesRepository } from '../records';
import { SourceSweepCursor, SourceSweepStateRepository } from './source-sweep-state.repository';

const SAVE_EVERY_MS = 1000;
/** Unparsable keys remembered for the log-once rule; past this the memory is dropped. */
const MAX_REMEMBERED_UNPARSABLE = 10_000;

export interface SourceSweepResult {
  rows: number;
  keys: number;
  mismatches: number;
  /** Sources whose pass this tick completed. */
  passesCompleted: string[];
}

/**
 * The background audit of declared sources. A pass over a source walks its rows in primary-key order
 * (one SELECT per page, one pipelined read of every key template's keys, compared in memory), then
 * SCANs each key template's pattern for orphans: keys whose row is gone, including keys built from a
 * column's old value. Only mismatches become check jobs; the check and the grace period decide what
 * is real. A key that matches a pattern but cannot be one of the source's rows is unparsable: logged
 * once, never reported as an orphan.
 */
@Injectable()
export class SourceSweepService {
  private readonly logger = new Logger(SourceSweepService.name);
  private readonly unparsable = new Set<string>();

  constructor(
    private readonly registry: SourceRegistry,
    private readonly rows: SourceRows,
    private readonly inspector: SourceInspector,
    private readonly orphanFinder: OrphanFinder,
    private readonly cache: CacheService,
    private readonly state: SourceSweepStateRepository,
    private readonly records: InconsistenciesRepository,
    private readonly scheduler: CheckScheduler,
    private readonly failures: ComparisonFailures,
    private readonly metrics: MetricsService,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  /** Audits up to SWEEP_MAX_ITEMS_PER_TICK rows and keys across the sources, each from where its last tick stopped. */
  async tick(shouldStop: () => boolean = () => false): Promise<SourceSweepResult> {
    const result: SourceSweepResult = { rows: 0, keys: 0, mismatches: 0, passesCompleted: [] };
    // Open records are re-checked every tick: that is how they become persistent or resolved.
    const open = await this.records.openSourceKeys(
      this.registry.sources.map((s) => s.name),
      this.cfg.sweep.batchSize,
    );
    await this.scheduler.schedule(open.map(({ source, key }): KeyCheck => ({ source, key, trigger: 'sweep' })));
    for (const source of this.registry.sources) {
      if (shouldStop() || this.budgetLeft(result) <= 0) break;
      await this.sweepSource(source, result, shouldStop);
    }
    return result;
  }

  private async sweepSource(source: Source, result: SourceSweepResult, shouldStop: () => boolean): Promise<void> {
    const cursor = await this.state.load(source.name);
    cursor.passStartedAt ??= new Date();
    let savedAt = Date.now();
    const { batchSize } = this.cfg.sweep;
    // The next page is read while this one is compared, so PostgreSQL's and Redis's round trips overlap.
    let ahead: { after: string; page: Promise<RowText[]> } | null = null;
    while (!shouldStop() && this.budgetLeft(result) > 0) {
      if (cursor.phase === 'keys' && cursor.keyTemplate >= source.keys.length) {
        this.completePass(source, cursor); // the declaration lost key templates since this pass began
        break;
      }
      if (cursor.phase === 'rows') {
        const after = JSON.stringify(cursor.rowCursor);
        const page: RowText[] = await (ahead?.after === after ? ahead.page : this.rows.page(source, cursor.rowCursor, batchSize));
        const last: string[] | null = page.length === batchSize ? lastKeyOf(source, page) : null;
        ahead =
          last && this.budgetLeft(result) > page.length
            ? { after: JSON.stringify(last), page: this.rows.page(source, last, batchSize) }
            : null;
        ahead?.page.catch(() => undefined); // awaited next round, or abandoned when the tick stops
        const inspections = await this.inspector.inspectRows(source, page);
        const mismatched: string[] = [];
        for (const x of inspections) {
          if (isFailed(x)) this.failures.record(x.cacheKey, 'sweep', x.error);
          else if (isMismatch(x.comparison.outcome)) mismatched.push(x.cacheKey);
        }
        await this.enqueue(source, mismatched);
        result.rows += page.length;
        result.mismatches += mismatched.length;
        this.metrics.swept('items', page.length, mismatched.length, source.name);
        if (!last) Object.assign(cursor, { phase: 'keys', rowCursor: null, keyTemplate: 0, keyCursor: '0' });
        else cursor.rowCursor = last;
      } else {
        const key = source.keys[cursor.keyTemplate];
        const step = await this.cache.scanMatch(cursor.keyCursor, key.template.scanPattern(), batchSize);
        const found = await this.orphanFinder.find(source, key, step.keys);
        for (const cacheKey of found.unparsable) this.reportUnparsable(source, key.template.text, cacheKey);
        const orphans = found.orphans.map((o) => o.cacheKey);
        await this.enqueue(source, orphans);
        result.keys += Math.max(step.keys.length, 1); // an empty SCAN step still counts, so a sparse keyspace cannot make a tick endless
        result.mismatches += orphans.length;
        this.metrics.swept('keys', step.keys.length, orphans.length, source.name);
        cursor.keyCursor = step.cursor;
        if (step.cursor === '0') {
          cursor.keyTemplate++;
          if (cursor.keyTemplate >= source.keys.length) {
            this.completePass(source, cursor);
            result.passesCompleted.push(source.name);
            break;
          }
        }
      }
      if (Date.now() - savedAt >= SAVE_EVERY_MS) {
        await this.state.save(source.name, cursor);
        savedAt = Date.now();
      }
    }
    await this.state.save(source.name, cursor);
  }

  private reportUnparsable(source: Source, template: string, cacheKey: string): void {
    if (this.unparsable.has(cacheKey)) return;
    if (this.unparsable.size >= MAX_REMEMBERED_UNPARSABLE) this.unparsable.clear();
    this.unparsable.add(cacheKey);
    this.logger.warn(
      { event: 'sweep.unparsable_key', source: source.name, template, key: cacheKey },
      'a key matches the template but cannot be one of its rows; not reported as an orphan',
    );
  }

  private async enqueue(source: Source, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.scheduler.schedule(keys.map((key): KeyCheck => ({ source: source.name, key, trigger: 'sweep' })));
  }

  private completePass(source: Source, cursor: SourceSweepCursor): void {
    const ms = Date.now() - cursor.passStartedAt!.getTime();
    Object.assign(cursor, {
      phase: 'rows',
      rowCursor: null,
      keyTemplate: 0,
      keyCursor: '0',
      passes: cursor.passes + 1,
      passStartedAt: null,
      lastPassMs: ms,
      lastPassAt: new Date(),
    });
    this.logger.log({ event: 'sweep.pass_completed', source: source.name, passes: cursor.passes, durationMs: ms }, 'sweep pass completed');
  }

  private budgetLeft(result: SourceSweepResult): number {
    return this.cfg.sweep.maxItemsPerTick - result.rows - result.keys;
  }
}
