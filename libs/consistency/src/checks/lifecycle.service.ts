import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { consistencyConfig, ConsistencyConfig, redisConfig, RedisConfig } from '@app/config';
import { CacheRepairService, ItemCache } from '@app/items';
import { MetricsService } from '@app/metrics';
import { Inspection, SourceHealer } from '@app/sources';
import { isMismatch, Observation } from '../outcome';
import {
  CONFIRM_JOB_OPTIONS,
  CheckTrigger,
  ConfirmJob,
  confirmJobId,
  detectedBy,
  JOBS,
  QUEUES,
  subjectOf,
  withinQueueTimeout,
} from '../queues';
import { buildTimeline, InconsistenciesRepository, InconsistenciesService, LifecycleEvents, TimelineEntry, TraceStore } from '../records';
import { decideOnCheck, detectedOf, Effect, KnownState } from './lifecycle';
import { checkTraceEntry } from './trace-entry';
import { WatchState, WatchStore } from './watch.store';

/** One observed key and what is already known about it. */
export interface Subject {
  /** The built-in items: the item's id, which its records and events carry. */
  itemId?: string;
  cacheKey: string;
  /** What was read on both sides, to heal the key in its own format. */
  inspection: Inspection;
  observation: Observation;
  trigger: CheckTrigger;
  /** The pending confirmation's job id, when a grace period is running. */
  pendingToken?: string;
  /** Set when the confirmation job itself is carrying out the effects. */
  confirmation?: ConfirmJob;
}

/** A subject as a check found it, with what Polaris already knows about it. */
export interface Observed extends Subject, WatchState {
  open: KnownState['open'];
}

/** Carries out lifecycle decisions: the effects in Redis, BullMQ and PostgreSQL, and one event per transition. */
@Injectable()
export class LifecycleService {
  constructor(
    @InjectQueue(QUEUES.confirmations) private readonly confirmations: Queue<ConfirmJob>,
    private readonly watch: WatchStore,
    private readonly traces: TraceStore,
    private readonly records: InconsistenciesRepository,
    private readonly inconsistencies: InconsistenciesService,
    private readonly cache: ItemCache,
    private readonly repair: CacheRepairService,
    private readonly sourceHealer: SourceHealer,
    private readonly events: LifecycleEvents,
    private readonly metrics: MetricsService,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
    @Inject(redisConfig.KEY) private readonly redis: RedisConfig,
  ) {}

  /**
   * Decides each check's lifecycle step (pure, lifecycle.ts) and carries it out; appends the checks'
   * traces. A subject whose step fails (a store went away) fails alone. Returns each subject's
   * observation or error, by its name in the bookkeeping (`source/key`).
   */
  async settleChecks(observed: Iterable<Observed>): Promise<Map<string, Observation | Error>> {
    const settled = new Map<string, Observation | Error>();
    const traces: { subject: string; entry: TimelineEntry }[] = [];
    await Promise.all(
      [...observed].map(async (s) => {
        const subject = subjectFor(s);
        const effects = decideOnCheck(s.observation.outcome, { open: s.open, pending: s.pendingToken !== undefined });
        if (effects.length || isMismatch(s.observation.outcome))
          traces.push({ subject, entry: checkTraceEntry(s.observation, s.trigger, effects) });
        try {
          await this.apply(effects, s);
          await this.timeToConsistency(s);
          settled.set(subject, s.observation);
        } catch (err) {
          settled.set(subject, err as Error);
        }
      }),
    );
    await this.traces.append(traces).catch(() => undefined); // timelines are best-effort
    return settled;
  }

  /** Carries out what the confirmation `job` decided, then releases the pending state it owned. */
  async settleConfirmation(s: Observed, job: ConfirmJob, effects: readonly Effect[]): Promise<void> {
    const subject = subjectFor(s);
    await this.traces.append([{ subject, entry: checkTraceEntry(s.observation, 'confirm', effects) }]).catch(() => undefined);
    await this.apply(effects, { ...s, confirmation: job });
    await this.watch.endPending(subject, job.token);
    await this.timeToConsistency(s);
  }

  /** A write caught inconsistent is consistent again: observe how long that took, once. */
  private async timeToConsistency(s: Observed): Promise<void> {
    if (s.inconsistentSince === undefined || isMismatch(s.observation.outcome)) return;
    const since = await this.watch.takeInconsistentSince(subjectFor(s));
    if (since !== null) this.metrics.timeToConsistency((Date.now() - since) / 1000);
  }

  async apply(effects: readonly Effect[], s: Subject): Promise<void> {
    for (const effect of effects) {
      switch (effect.type) {
        case 'detect':
          await this.detect(s);
          break;
        case 'clear':
          await this.clear(s);
          break;
        case 'confirm':
          await this.confirm(s);
          break;
        case 'touch':
          await this.touch(s);
          break;
        case 'resolve':
          await this.inconsistencies.resolve(s.cacheKey, effect.resolution, this.describe(s));
          break;
        case 'recheck':
          await this.recheck(s);
          break;
      }
    }
  }

  /** Starts the grace period with one confirmation at detection + GRACE_PERIOD_MS; the deadline never moves. */
  private async detect(s: Subject): Promise<void> {
    const kind = s.observation.outcome;
    if (!isMismatch(kind)) return;
    const now = Date.now();
    const job: ConfirmJob = { ...this.confirmation(s, now), detectedAt: new Date(now).toISOString(), detectedBy: detectedBy(s.trigger) };
    if (!(await this.awaitConfirmation(job, this.cfg.gracePeriodMs))) return; // another check detected it first
    this.events.emit('detected', {
      ...this.describe(s),
      detectedBy: job.detectedBy,
      confirmAt: new Date(now + this.cfg.gracePeriodMs).toISOString(),
    });
  }

  /**
   * The confirmation saw the mismatch move (declared sources): the same detection, from the same
   * moment, looks again after the source's check delay, judged against this look (stillDivergent).
   * Nothing is logged: no state changed.
   */
  private async recheck(s: Subject): Promise<void> {
    const c = s.confirmation;
    if (!c || !isMismatch(s.observation.outcome)) return;
    const job: ConfirmJob = { ...this.confirmation(s, Date.now()), detectedAt: c.detectedAt, detectedBy: c.detectedBy, recheck: true };
    await this.watch.endPending(subjectFor(s), c.token);
    await this.awaitConfirmation(job, s.inspection.source.checkDelayMs ?? this.cfg.immediateCheckDelayMs);
  }

  /** A confirmation of what `s` observed, at `now`. */
  private confirmation(s: Subject, now: number): Omit<ConfirmJob, 'detectedAt' | 'detectedBy'> {
    return { ...identity(s), token: confirmJobId(subjectFor(s), now), ...detectedOf(s.observation) };
  }

  /** Marks the subject pending under the job and queues it after `delay`; false when another detection holds the mark. */
  private async awaitConfirmation(job: ConfirmJob, delay: number): Promise<boolean> {
    if (!(await this.watch.startPending(job))) return false;
    try {
      await withinQueueTimeout(this.confirmations.add(JOBS.confirm, job, { ...CONFIRM_JOB_OPTIONS, jobId: job.token, delay }), this.redis);
    } catch (err) {
      await this.watch.endPending(subjectOf(job), job.token).catch(() => undefined);
      throw err;
    }
    return true;
  }

  /**
   * The mismatch went away within the grace period. A check cancels the delayed confirmation;
   * when that confirmation is already running it cannot be removed, and it decides instead.
   */
  private async clear(s: Subject): Promise<void> {
    if (s.confirmation) {
      // The confirmation ends its own grace period, so a new detection can start right after.
      await this.watch.endPending(subjectFor(s), s.confirmation.token);
      this.events.emit('cleared', { ...this.describe(s), detectedAt: s.confirmation.detectedAt });
      return;
    }
    if (!s.pendingToken) return;
    const removed = await withinQueueTimeout(this.confirmations.remove(s.pendingToken), this.redis);
    if (removed !== 1) return; // running right now: the confirmation will clear or confirm
    if (await this.watch.endPending(subjectFor(s), s.pendingToken)) {
      this.events.emit('cleared', this.describe(s));
    }
  }

  /**
   * Writes the record with the item's timeline, then heals it when HEAL_POLICY says so: also when the
   * record was already open (this confirmation retried after an outage, or another worker won the
   * insert), since healing twice does no harm and not healing would leave it open.
   */
  private async confirm(s: Subject): Promise<void> {
    const c = s.confirmation;
    const o = s.observation;
    if (!c || !isMismatch(o.outcome)) return;
    const since = new Date(Date.parse(c.detectedAt) - this.cfg.timeline.windowMs);
    const trace = await this.traces.of(subjectFor(s)).catch(() => []);
    const { record, inserted } = await this.records.confirm({
      source: s.inspection.source.name,
      cacheKey: s.cacheKey,
      itemId: s.itemId ?? null,
      kind: o.outcome,
      observation: o,
      firstDetectedAt: new Date(c.detectedAt),
      detectedBy: c.detectedBy,
      timeline: buildTimeline(trace, since, this.cfg.timeline.maxEntries),
    });
    if (inserted) {
      this.events.emit('confirmed', {
        ...this.describe(s),
        inconsistencyId: record.id,
        detectedBy: c.detectedBy,
        detectedAt: c.detectedAt,
      });
    }
    await this.heal(s);
  }

  /**
   * By the source's `heal` (HEAL_POLICY for the items). Declared sources: see SourceHealer; an entry
   * that changed since it was observed is left to the next check. Items, in their own format:
   * force-sync the entry from PostgreSQL (delete, then fill through the compare-and-set, so nothing
   * older than the database's value is written) or just delete it. Then resolve.
   */
  private async heal(s: Subject): Promise<void> {
    const policy = s.inspection.source.heal;
    if (policy === 'off') return;
    if (!s.inspection.source.builtIn) {
      if (!(await this.sourceHealer.heal(s.inspection, policy))) return;
    } else if (policy === 'refresh') await this.repair.refresh(s.itemId!);
    else await this.cache.delete(s.itemId!);
    await this.inconsistencies.resolve(s.cacheKey, 'auto_healed', { ...this.describe(s), healPolicy: policy });
  }

  /** Seen again while open. A heal that could not act at confirmation (the entry changed under it) tries again. */
  private async touch(s: Subject): Promise<void> {
    const o = s.observation;
    if (!isMismatch(o.outcome)) return;
    const touched = await this.records.touch(s.cacheKey, { ...o, outcome: o.outcome });
    if (touched?.previousStatus === 'confirmed') {
      this.events.emit('persistent', { ...this.describe(s), inconsistencyId: touched.id, count: touched.count });
    }
    if (touched) await this.heal(s);
  }

  private describe(s: Subject): Record<string, unknown> {
    return {
      source: s.inspection.source.name,
      ...(s.itemId !== undefined ? { itemId: s.itemId } : {}),
      key: s.cacheKey,
      outcome: s.observation.outcome,
      dbVersion: s.observation.dbVersion,
      cacheVersion: s.observation.cacheVersion,
      trigger: s.trigger,
    };
  }
}

/** Who a subject is, as its confirmation job names it. */
function identity(s: Subject): Pick<ConfirmJob, 'source' | 'key'> {
  return { source: s.inspection.source.name, key: s.cacheKey };
}

/** The subject's name in Polaris's bookkeeping (pending marks, traces). */
function subjectFor(s: Subject): string {
  return subjectOf(identity(s));
}
