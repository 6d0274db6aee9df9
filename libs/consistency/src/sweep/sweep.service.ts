import { Inject, Injectable, Logger } from '@nestjs/common';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { ItemCache, ItemsRepository } from '@app/items';
import { MetricsService } from '@app/metrics';
import { isFailed, SourceInspector, SourceRegistry, SourceRows } from '@app/sources';
import { ComparisonFailures } from '../checks';
import { isMismatch } from '../outcome';
import { CheckScheduler } from '../queues';
import { InconsistenciesRepository } from '../records';
import { AscendingIdSet } from './ascending-id-set';
import { SWEEPER, SweepCursor, SweeperStateRepository } from './sweeper-state.repository';

export interface SweepTickResult {
  rows: number;
  keys: number;
  mismatches: number;
  passCompleted: boolean;
  /** False when another sweeper took over mid-tick (a newer fence) and this tick stopped. */
  kept: boolean;
  cursor: SweepCursor;
}

export interface SweepTickOptions {
  /** Asked between batches: stop early (shutdown, or the sweep lock was lost). */
  shouldStop?: () => boolean;
}

const SAVE_EVERY_MS = 1000;
/** Cached rows a pass remembers for its keys phase: 16 bytes each, so 64 MB at most. */
const REMEMBERED_IDS = 4_000_000;

/** What one tick has done so far. */
interface TickRun {
  result: SweepTickResult;
  cursor: SweepCursor;
  fence: number;
  alreadyQueued: Set<string>;
  shouldStop: () => boolean;
  savedAt: number;
}

/**
 * The background audit. A pass walks every row by keyset pagination (one SELECT and one MGET per
 * batch, compared in memory), then every cache key by SCAN to find orphans. Only mismatches
 * become check jobs; the check and the grace period decide what is real.
 *
 * Each phase reads one batch ahead: the next SELECT (or SCAN) starts as soon as the current batch's
 * last id (or cursor) is known, overlapping the current batch's MGET and comparison. Done strictly
 * one after another, the process waited on PostgreSQL or Redis most of the time (a 1M-item pass took
 * 12.5–15 s instead of ~9.5 s). The cursor only moves past compared batches.
 *
 * The rows phase remembers which rows it found cached, and the keys phase asks PostgreSQL only about
 * the other keys: asking about all of them cost a 1M-item pass ~3 s of index probes. A key whose row
 * was deleted after the rows phase saw it is therefore found by the change log's check, or next pass.
 */
@Injectable()
export class SweepService {
  private readonly logger = new Logger(SweepService.name);
  /** Rows this process found cached in the current pass (`passes` of the cursor), in id order. */
  private readonly cachedRows = new AscendingIdSet(REMEMBERED_IDS);
  private cachedRowsPass = -1;

  constructor(
    private readonly items: ItemsRepository,
    private readonly cache: ItemCache,
    private readonly registry: SourceRegistry,
    private readonly rows: SourceRows,
    private readonly inspector: SourceInspector,
    private readonly records: InconsistenciesRepository,
    private readonly state: SweeperStateRepository,
    private readonly scheduler: CheckScheduler,
    private readonly failures: ComparisonFailures,
    private readonly metrics: MetricsService,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  /**
   * Audits one bounded slice (SWEEP_MAX_ITEMS_PER_TICK) from where the last tick stopped. Each tick
   * takes a new fence; a tick whose fence is no longer the newest cannot save the shared cursor.
   */
  async tick({ shouldStop = () => false }: SweepTickOptions = {}): Promise<SweepTickResult> {
    const started = Date.now();
    const fence = await this.state.nextFence(SWEEPER);
    const cursor = await this.state.load(SWEEPER);
    cursor.passStartedAt ??= new Date(started);
    if (this.cachedRowsPass !== cursor.passes) {
      this.cachedRows.clear();
      this.cachedRowsPass = cursor.passes;
    }
    const result: SweepTickResult = { rows: 0, keys: 0, mismatches: 0, passCompleted: false, kept: true, cursor };

    // Open records are re-checked every tick: that is how they become persistent or resolved.
    const open = await this.records.openItemIds(this.cfg.sweep.batchSize);
    await this.scheduler.enqueue(open, 'sweep');

    const run: TickRun = {
      result,
      cursor,
      fence,
      alreadyQueued: new Set(open),
      shouldStop: () => !result.kept || shouldStop(),
      savedAt: started,
    };
    if (cursor.phase === 'items') await this.sweepRows(run);
    if (cursor.phase === 'keys') await this.sweepKeys(run);
    await this.save(run);
    this.metrics.sweepTickTook((Date.now() - started) / 1000);
    return result;
  }

  /**
   * Rows phase: compares every row with its cache entry, batch by batch, until the rows or the budget
   * run out, through the same inspection as every source's (SourceInspector.inspectRows).
   */
  private async sweepRows(run: TickRun): Promise<void> {
    const { result, cursor } = run;
    const { batchSize } = this.cfg.sweep;
    const items = this.registry.builtIn!;
    const read = (after: string | null) => {
      const rows = this.rows.page(items, after === null ? null : [after], batchSize);
      const inspections = rows.then((r) => this.inspector.inspectRows(items, r));
      inspections.catch(() => undefined); // awaited below, or abandoned when the tick stops
      return { rows, inspections };
    };
    let next = this.mayContinue(run) ? read(cursor.itemCursor) : null;
    while (next) {
      const rows = await next.rows;
      const more = rows.length === batchSize && this.budgetLeft(run) > rows.length && !run.shouldStop();
      const page = next;
      next = more ? read(rows[rows.length - 1].id!) : null;
      const mismatched: string[] = [];
      for (const x of await page.inspections) {
        if (isFailed(x)) {
          this.failures.record(x.cacheKey, 'sweep', x.error);
          continue;
        }
        const id = x.row!.id!;
        if (x.entry !== null) this.cachedRows.add(id);
        if (isMismatch(x.comparison.outcome)) mismatched.push(id);
      }
      await this.scheduler.enqueue(
        mismatched.filter((id) => !run.alreadyQueued.has(id)),
        'sweep',
      );
      result.rows += rows.length;
      result.mismatches += mismatched.length;
      this.metrics.swept('items', rows.length, mismatched.length);
      if (rows.length < batchSize) Object.assign(cursor, { phase: 'keys', itemCursor: null, keyCursor: '0' });
      else cursor.itemCursor = rows[rows.length - 1].id;
      await this.saveIfDue(run);
      if (!this.mayContinue(run)) next = null;
    }
  }

  /** Keys phase: finds cache entries whose row is gone (orphans), SCAN step by step, until the end or the budget. */
  private async sweepKeys(run: TickRun): Promise<void> {
    const { result, cursor } = run;
    const read = (keyCursor: string) => {
      const scanned = this.cache.scanIds(keyCursor, this.cfg.sweep.batchSize);
      const missing = scanned.then(async (s) => new Set(await this.items.missingIds(s.ids.filter((id) => !this.cachedRows.has(id)))));
      missing.catch(() => undefined); // awaited below, or abandoned when the tick stops
      return { scanned, missing };
    };
    let next = this.mayContinue(run) ? read(cursor.keyCursor) : null;
    while (next) {
      const scanned = await next.scanned;
      const page = next;
      next = scanned.cursor !== '0' && this.budgetLeft(run) > counted(scanned.ids) && !run.shouldStop() ? read(scanned.cursor) : null;
      const missing = await page.missing;
      const orphans = scanned.ids.filter((id) => missing.has(id));
      await this.scheduler.enqueue(
        orphans.filter((id) => !run.alreadyQueued.has(id)),
        'sweep',
      );
      result.keys += counted(scanned.ids);
      result.mismatches += orphans.length;
      this.metrics.swept('keys', scanned.ids.length, orphans.length);
      cursor.keyCursor = scanned.cursor;
      if (scanned.cursor === '0') {
        this.completePass(cursor);
        result.passCompleted = true;
        return;
      }
      await this.saveIfDue(run);
      if (!this.mayContinue(run)) next = null;
    }
  }

  /** Whether the tick may start another batch. */
  private mayContinue(run: TickRun): boolean {
    return this.budgetLeft(run) > 0 && !run.shouldStop();
  }

  /** Items this tick may still audit. */
  private budgetLeft(run: TickRun): number {
    return this.cfg.sweep.maxItemsPerTick - run.result.rows - run.result.keys;
  }

  /** The cursor is saved at least once per second of work, so a crash loses little of a pass. */
  private async saveIfDue(run: TickRun): Promise<void> {
    if (Date.now() - run.savedAt >= SAVE_EVERY_MS) await this.save(run);
  }

  private async save(run: TickRun): Promise<void> {
    if (!run.result.kept) return;
    run.result.kept = await this.state.save(SWEEPER, run.cursor, run.fence);
    run.savedAt = Date.now();
    if (!run.result.kept) {
      this.logger.warn({ event: 'sweep.fenced_out', fence: run.fence }, 'another sweeper took over; this tick stops without saving');
    }
  }

  private completePass(cursor: SweepCursor): void {
    const ms = Date.now() - cursor.passStartedAt!.getTime();
    Object.assign(cursor, {
      phase: 'items',
      itemCursor: null,
      keyCursor: '0',
      passes: cursor.passes + 1,
      passStartedAt: null,
      lastPassMs: ms,
    });
    this.metrics.sweepPassCompleted();
    this.logger.log({ event: 'sweep.pass_completed', passes: cursor.passes, durationMs: ms }, 'sweep pass completed');
  }
}

/** An empty SCAN step still counts toward the budget, so a sparse keyspace cannot make a tick endless. */
function counted(ids: readonly string[]): number {
  return Math.max(ids.length, 1);
}
