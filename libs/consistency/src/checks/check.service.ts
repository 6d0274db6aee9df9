import { Injectable, OnModuleDestroy } from '@nestjs/common';
import DataLoader from 'dataloader';
import { ItemCache } from '@app/items';
import { MetricsService } from '@app/metrics';
import { BUILT_IN_SOURCE, isFailed, KeyToInspect, SourceInspector, SourceRegistry } from '@app/sources';
import { Observation } from '../outcome';
import { CheckItem, ConfirmJob, isKeyCheck, isPostWrite, KeyCheck, subjectOf } from '../queues';
import { InconsistenciesRepository } from '../records';
import { ComparisonFailures } from './comparison-failures';
import { decideOnConfirm, sameDivergence, stillDivergent } from './lifecycle';
import { LifecycleService, Observed } from './lifecycle.service';
import { toObservation, versionOrder } from './observation';
import { sliResult } from './sli';
import { WatchStore } from './watch.store';

interface ObservedKey extends Observed {
  subject: string;
}

/** Concurrent checks arriving within this window share one pipelined read and one query per key template. */
const BATCH_WINDOW_MS = 2;
const MAX_BATCH = 500;

/** What a check found: an outcome, or `uncomparable` when the entry could not be compared (counted, logged, skipped). */
export type CheckResult = Observation['outcome'] | 'uncomparable';

/**
 * Checks cache keys, of the built-in items and of every declared source alike: each key is inspected
 * (cache first, then its row), the pure lifecycle decisions (lifecycle.ts) say what to do, and
 * LifecycleService does it. Also takes the SLI's samples. A record keeps the real cache key, the
 * source, and the fields that differ.
 */
@Injectable()
export class CheckService implements OnModuleDestroy {
  private readonly batcher = new DataLoader<KeyCheck, CheckResult>((checks) => this.checkBatch(checks), {
    cache: false,
    maxBatchSize: MAX_BATCH,
    batchScheduleFn: (run) => setTimeout(run, BATCH_WINDOW_MS),
  });

  constructor(
    private readonly registry: SourceRegistry,
    private readonly inspector: SourceInspector,
    private readonly items: ItemCache,
    private readonly records: InconsistenciesRepository,
    private readonly watch: WatchStore,
    private readonly lifecycle: LifecycleService,
    private readonly failures: ComparisonFailures,
    private readonly metrics: MetricsService,
  ) {}

  /** Checks one key (an item is checked as its cache key); concurrent calls are coalesced into batches. */
  check(item: CheckItem): Promise<CheckResult> {
    return this.batcher.load(this.asKeyCheck(item));
  }

  /**
   * Checks many keys with one pipelined cache read, one query per key template, and one lookup of
   * open records and watch state. A key whose lifecycle step fails (a store went away) fails alone;
   * an entry that cannot be compared is skipped alone.
   */
  async checkBatch(items: readonly CheckItem[]): Promise<(CheckResult | Error)[]> {
    const started = process.hrtime.bigint();
    const checks = items.map((item) => this.asKeyCheck(item));
    const first = new Map<string, KeyCheck>();
    for (const c of checks) if (!first.has(subjectOf(c))) first.set(subjectOf(c), c);
    let observed: Map<string, ObservedKey>;
    try {
      observed = await this.observe([...first.values()]);
    } catch (err) {
      return checks.map(() => err as Error);
    }
    const settled = await this.lifecycle.settleChecks(observed.values());
    await this.sample(checks, settled);
    this.metrics.checkBatchTook(Number(process.hrtime.bigint() - started) / 1e9);
    return checks.map((c) => {
      const result = settled.get(subjectOf(c));
      if (result === undefined) return 'uncomparable';
      if (result instanceof Error) return result;
      this.metrics.checked(c.trigger, result.outcome, c.source);
      return result.outcome;
    });
  }

  /**
   * The confirmation after the grace period. While it runs it owns the key's pending state, so no
   * check can clear it underneath; it releases the state only after its own effects.
   */
  async confirm(confirmation: ConfirmJob): Promise<CheckResult> {
    const check = this.asKeyCheck(
      confirmation.itemId !== undefined
        ? { itemId: confirmation.itemId, trigger: confirmation.detectedBy }
        : {
            source: confirmation.source!,
            key: confirmation.key!,
            trigger: confirmation.detectedBy,
          },
    );
    const job: ConfirmJob = { ...confirmation, source: check.source, key: check.key };
    delete job.itemId;
    // The detection was cleared or lost (e.g. Redis restarted): behave as an ordinary check.
    if (!(await this.watch.isPending(job))) return this.check(check);
    const s = (await this.observe([check])).get(subjectOf(check));
    if (!s) {
      await this.watch.endPending(subjectOf(job), job.token); // nothing can be confirmed about an entry that cannot be compared
      return 'uncomparable';
    }
    const source = s.inspection.source;
    const order = versionOrder(source);
    const same = job.recheck ? stillDivergent(job, s.observation, order) : sameDivergence(job, s.observation, order);
    // Declared sources look again rather than start over (see decideOnConfirm); the items' own writes need no second look.
    const effects = decideOnConfirm(s.observation.outcome, s.open, same, !source.builtIn);
    await this.lifecycle.settleConfirmation(s, job, effects);
    this.metrics.checked('confirm', s.observation.outcome, source.name);
    return s.observation.outcome;
  }

  /**
   * Inspects the keys. A key of no guarded source (a source removed since it was queued) is left out,
   * and so is an entry that cannot be compared (recorded by ComparisonFailures).
   */
  private async observe(checks: readonly KeyCheck[]): Promise<Map<string, ObservedKey>> {
    const targets: (KeyToInspect & { check: KeyCheck })[] = [];
    for (const check of checks) {
      const owner = this.registry.ownerOf(check.key);
      if (owner && owner.source.name === check.source) targets.push({ ...owner, cacheKey: check.key, check });
    }
    const inspections = await this.inspector.inspectKeys(targets);
    const subjects = targets.map((t) => subjectOf(t.check));
    const [open, watched] = await Promise.all([this.records.findOpenByKeys(targets.map((t) => t.cacheKey)), this.watch.lookup(subjects)]);
    const observed = new Map<string, ObservedKey>();
    inspections.forEach((inspection, i) => {
      const t = targets[i];
      if (isFailed(inspection)) return this.failures.record(t.cacheKey, t.check.trigger, inspection.error);
      observed.set(subjects[i], {
        subject: subjects[i],
        cacheKey: t.cacheKey,
        ...(t.source.builtIn ? { itemId: t.values.id } : {}),
        inspection,
        trigger: t.check.trigger,
        observation: toObservation(inspection),
        open: open.get(t.cacheKey) ?? null,
        ...watched.get(subjects[i]),
      });
    });
    return observed;
  }

  /** Post-write checks are the SLI's samples; an inconsistent one starts the time-to-consistency clock. */
  private async sample(checks: readonly KeyCheck[], settled: Map<string, Observation | Error>): Promise<void> {
    for (const c of checks) {
      const observation = settled.get(subjectOf(c));
      if (!isPostWrite(c.trigger) || observation === undefined || observation instanceof Error) continue;
      const source = this.registry.get(c.source);
      const result = sliResult(observation, c.version, source && versionOrder(source));
      this.metrics.sliSample(result, c.source);
      if (result === 'inconsistent' && c.writtenAt !== undefined) {
        await this.watch.markInconsistent(subjectOf(c), c.writtenAt).catch(() => undefined);
      }
    }
  }

  /** An item of the built-in source names its cache key (the jobs the items' relay and sweep queue). */
  private asKeyCheck(item: CheckItem): KeyCheck {
    if (isKeyCheck(item)) return item;
    const { itemId, version, ...rest } = item;
    return {
      ...rest,
      source: BUILT_IN_SOURCE,
      key: this.items.keyFor(itemId),
      ...(version !== undefined ? { version: String(version) } : {}),
    };
  }

  onModuleDestroy(): void {
    this.batcher.clearAll();
  }
}
