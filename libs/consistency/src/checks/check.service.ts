import { Injectable, OnModuleDestroy } from '@nestjs/common';
import DataLoader from 'dataloader';
import { ItemCache, ItemsRepository } from '@app/items';
import { MetricsService } from '@app/metrics';
import { Observation, Outcome } from '../outcome';
import { ConfirmJob, isPostWrite, ItemCheck } from '../queues';
import { InconsistenciesRepository } from '../records';
import { classifyOrError } from './classify';
import { ComparisonFailures } from './comparison-failures';
import { decideOnConfirm, sameDivergence } from './lifecycle';
import { LifecycleService, Observed } from './lifecycle.service';
import { WatchStore } from './watch.store';
import { sliResult } from './sli';

interface ObservedItem extends Observed {
  itemId: string;
}

/** Concurrent checks arriving within this window share one SELECT and one MGET. */
const BATCH_WINDOW_MS = 2;
const MAX_BATCH = 500;

/** What a check found: an outcome, or `uncomparable` when the entry could not be compared (counted, logged, skipped). */
export type CheckResult = Outcome | 'uncomparable';

/**
 * Observes (row, cache entry) pairs, decides the lifecycle step with the pure functions in
 * lifecycle.ts, and has LifecycleService carry it out. Also takes the SLI's samples and keeps the
 * traces that become a confirmed inconsistency's timeline.
 */
@Injectable()
export class CheckService implements OnModuleDestroy {
  private readonly batcher = new DataLoader<ItemCheck, CheckResult>((items) => this.checkBatch(items), {
    cache: false,
    maxBatchSize: MAX_BATCH,
    batchScheduleFn: (run) => setTimeout(run, BATCH_WINDOW_MS),
  });

  constructor(
    private readonly items: ItemsRepository,
    private readonly cache: ItemCache,
    private readonly records: InconsistenciesRepository,
    private readonly watch: WatchStore,
    private readonly lifecycle: LifecycleService,
    private readonly failures: ComparisonFailures,
    private readonly metrics: MetricsService,
  ) {}

  /** Checks one item; concurrent calls are coalesced into batches. */
  check(item: ItemCheck): Promise<CheckResult> {
    return this.batcher.load(item);
  }

  /**
   * Checks many items with one SELECT, one MGET and one lookup of open records and watch state. An
   * item whose lifecycle step fails (a store went away) fails alone; an entry that cannot be compared
   * is skipped alone.
   */
  async checkBatch(items: readonly ItemCheck[]): Promise<(CheckResult | Error)[]> {
    const started = process.hrtime.bigint();
    const first = new Map<string, ItemCheck>();
    for (const item of items) if (!first.has(item.itemId)) first.set(item.itemId, item);
    let observed: Map<string, ObservedItem>;
    try {
      observed = await this.observe([...first.values()]);
    } catch (err) {
      return items.map(() => err as Error);
    }
    const settled = await this.lifecycle.settleChecks(observed.values());
    await this.sample(items, settled);
    this.metrics.checkBatchTook(Number(process.hrtime.bigint() - started) / 1e9);
    return items.map((item) => {
      const result = settled.get(item.itemId);
      if (result === undefined) return 'uncomparable';
      if (result instanceof Error) return result;
      this.metrics.checked(item.trigger, result.outcome);
      return result.outcome;
    });
  }

  /**
   * The confirmation after the grace period. While it runs it owns the item's pending state,
   * so no check can clear it underneath; it releases the state only after its own effects.
   */
  async confirm(job: ConfirmJob & { itemId: string }): Promise<CheckResult> {
    if (!(await this.watch.isPending(job))) {
      // The detection was cleared or lost (e.g. Redis restarted): behave as an ordinary check.
      return this.check({ itemId: job.itemId, trigger: job.detectedBy });
    }
    const s = (await this.observe([{ itemId: job.itemId, trigger: job.detectedBy }])).get(job.itemId);
    if (!s) {
      await this.watch.endPending(job.itemId, job.token); // nothing can be confirmed about an entry that cannot be compared
      return 'uncomparable';
    }
    const effects = decideOnConfirm(s.observation.outcome, s.open, sameDivergence(job, s.observation));
    await this.lifecycle.settleConfirmation(s, job, effects);
    this.metrics.checked('confirm', s.observation.outcome);
    return s.observation.outcome;
  }

  /** Reads and classifies the items; an entry that cannot be compared is recorded and left out. */
  private async observe(items: readonly ItemCheck[]): Promise<Map<string, ObservedItem>> {
    const ids = items.map((item) => item.itemId);
    const keys = ids.map((id) => this.cache.keyFor(id));
    // The cache first: cache writes follow their commits, so an entry read before its row can never
    // look newer than the row because a write landed between the two reads (a false `ahead`).
    const raws = await this.cache.getRaw(ids);
    const [rows, open, watched] = await Promise.all([this.items.findByIds(ids), this.records.findOpenByKeys(keys), this.watch.lookup(ids)]);
    const observed = new Map<string, ObservedItem>();
    items.forEach((item, i) => {
      const observation = classifyOrError(rows.get(item.itemId) ?? null, raws[i]);
      if (observation instanceof Error) return this.failures.record(keys[i], item.trigger, observation);
      observed.set(item.itemId, {
        itemId: item.itemId,
        cacheKey: keys[i],
        trigger: item.trigger,
        observation,
        open: open.get(keys[i]) ?? null,
        ...watched.get(item.itemId),
      });
    });
    return observed;
  }

  /** Post-write checks are the SLI's samples; an inconsistent one starts the time-to-consistency clock. */
  private async sample(items: readonly ItemCheck[], settled: Map<string, Observation | Error>): Promise<void> {
    for (const item of items) {
      const observation = settled.get(item.itemId);
      if (!isPostWrite(item.trigger) || observation === undefined || observation instanceof Error) continue;
      const result = sliResult(observation, item.version);
      this.metrics.sliSample(result);
      if (result === 'inconsistent' && item.writtenAt !== undefined) {
        await this.watch.markInconsistent(item.itemId, item.writtenAt).catch(() => undefined);
      }
    }
  }

  onModuleDestroy(): void {
    this.batcher.clearAll();
  }
}
