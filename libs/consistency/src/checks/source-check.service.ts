import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import { contentDigest } from '@app/cache';
import type { JsonValue } from '@app/items';
import { MetricsService } from '@app/metrics';
import { compareVersions, Inspection, KeyToInspect, Source, SourceInspector, SourceRegistry } from '@app/sources';
import { Observation, VersionOrder } from '../outcome';
import { ConfirmJob, isPostWrite, KeyCheck, subjectOf } from '../queues';
import { InconsistenciesRepository } from '../records';
import type { CheckResult } from './check.service';
import { ComparisonFailures } from './comparison-failures';
import { decideOnConfirm, sameDivergence, stillDivergent } from './lifecycle';
import { LifecycleService, Observed } from './lifecycle.service';
import { sliResult } from './sli';
import { WatchStore } from './watch.store';

interface ObservedKey extends Observed {
  inspection: Inspection;
  subject: string;
}

/** Concurrent checks arriving within this window share one pipelined read and one query per key template. */
const BATCH_WINDOW_MS = 2;
const MAX_BATCH = 500;

/**
 * Checks the cache keys of declared sources (polaris.yaml) through the same lifecycle as the items:
 * each key is inspected (cache first, then its row), the pure lifecycle decisions say what to do, and
 * LifecycleService does it. A record keeps the real cache key, the source, and the fields that differ.
 */
@Injectable()
export class SourceCheckService implements OnModuleDestroy {
  private readonly batcher = new DataLoader<KeyCheck, CheckResult>((checks) => this.checkBatch(checks), {
    cache: false,
    maxBatchSize: MAX_BATCH,
    batchScheduleFn: (run) => setTimeout(run, BATCH_WINDOW_MS),
  });

  constructor(
    private readonly registry: SourceRegistry,
    private readonly inspector: SourceInspector,
    private readonly records: InconsistenciesRepository,
    private readonly watch: WatchStore,
    private readonly lifecycle: LifecycleService,
    private readonly failures: ComparisonFailures,
    private readonly metrics: MetricsService,
  ) {}

  check(check: KeyCheck): Promise<CheckResult> {
    return this.batcher.load(check);
  }

  async checkBatch(checks: readonly KeyCheck[]): Promise<(CheckResult | Error)[]> {
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
    return checks.map((c) => {
      const result = settled.get(subjectOf(c));
      if (result === undefined) return 'uncomparable';
      if (result instanceof Error) return result;
      this.metrics.checked(c.trigger, result.outcome, c.source);
      return result.outcome;
    });
  }

  /** The confirmation after the grace period; see CheckService.confirm. */
  async confirm(job: ConfirmJob & { source: string; key: string }): Promise<CheckResult> {
    const check: KeyCheck = { source: job.source, key: job.key, trigger: job.detectedBy };
    if (!(await this.watch.isPending(job))) return this.check(check);
    const s = (await this.observe([check])).get(subjectOf(check));
    if (!s) {
      await this.watch.endPending(subjectOf(job), job.token);
      return 'uncomparable';
    }
    const order = versionOrder(s.inspection.source);
    const same = job.recheck ? stillDivergent(job, s.observation, order) : sameDivergence(job, s.observation, order);
    const effects = decideOnConfirm(s.observation.outcome, s.open, same, true);
    await this.lifecycle.settleConfirmation(s, job, effects);
    this.metrics.checked('confirm', s.observation.outcome, job.source);
    return s.observation.outcome;
  }

  /** Inspects the keys; a key of no declared source (a source removed since it was queued) is left out. */
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
      observed.set(subjects[i], {
        subject: subjects[i],
        cacheKey: t.cacheKey,
        inspection,
        trigger: t.check.trigger,
        observation: toObservation(inspection),
        open: open.get(t.cacheKey) ?? null,
        ...watched.get(subjects[i]),
      });
    });
    return observed;
  }

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

  onModuleDestroy(): void {
    this.batcher.clearAll();
  }
}

/** A source's versions ordered at the precision the cache holds (see compareVersions). */
function versionOrder(source: Source): VersionOrder {
  const kind = source.version !== undefined ? source.kinds[source.version] : 'integer';
  return (a, b) => compareVersions(kind, String(a), String(b));
}

/** An inspection as the lifecycle records it: both sides as JSON, the differing fields, and a digest of the entry. */
export function toObservation(x: Inspection): Observation {
  const c = x.comparison;
  const dbValue = x.row === null ? null : projection(x);
  return {
    outcome: c.outcome,
    dbVersion: c.dbVersion,
    cacheVersion: c.cacheVersion,
    dbValue,
    cacheValue: cachedValue(x),
    ...(c.diff.length ? { diff: c.diff } : {}),
    cacheDigest: contentDigest(x.entry),
    dbDigest: createHash('sha1').update(JSON.stringify(dbValue)).digest('hex'),
  };
}

/** The row as the key should cache it: its mapped fields' text, or the string key's column. */
function projection(x: Inspection): JsonValue {
  const shape = x.key.shape;
  if (shape.format === 'string') return x.row![shape.column];
  return Object.fromEntries(Object.entries(shape.fields).map(([field, column]) => [field, x.row![column]]));
}

function cachedValue(x: Inspection): JsonValue | null {
  const e = x.entry;
  if (e === null) return null;
  if (e.type === 'other') return `(a Redis ${e.redisType})`;
  if (e.type === 'hash') return { ...e.value };
  if (x.key.format !== 'json') return e.value;
  try {
    return JSON.parse(e.value) as JsonValue; // for people to read; the comparison read every number exactly
  } catch {
    return e.value;
  }
}
