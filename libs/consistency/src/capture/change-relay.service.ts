import { Inject, Injectable } from '@nestjs/common';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { CacheRepairService, ItemCache } from '@app/items';
import { MetricsService } from '@app/metrics';
import { BUILT_IN_SOURCE } from '@app/sources';
import { CheckScheduler, subjectOf } from '../queues';
import { TraceStore } from '../records';
import { drainChanges } from './change-log';
import { planChanges } from './change-plan';
import { changeEntry } from './item-change';
import { ItemChangesRepository } from './item-changes.repository';

/**
 * Moves captured changes from `item_changes` to the check queue. Each batch is claimed, acted on
 * (invalidate or refresh out-of-band changes, per OUT_OF_BAND_POLICY; enqueue the checks in bulk;
 * append each change to its item's trace, for timelines) and deleted in one PostgreSQL transaction,
 * so a crash at any point loses no change: at worst a batch is relayed twice, and its checks carry
 * job ids from their changes, so they are queued once.
 */
@Injectable()
export class ChangeRelayService {
  constructor(
    private readonly changes: ItemChangesRepository,
    private readonly scheduler: CheckScheduler,
    private readonly cache: ItemCache,
    private readonly repair: CacheRepairService,
    private readonly traces: TraceStore,
    private readonly metrics: MetricsService,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  /** Relays one batch; returns how many changes it carried. */
  relayBatch(): Promise<number> {
    return this.changes.claim(this.cfg.relay.batchSize, async (batch) => {
      const plan = planChanges(
        batch,
        this.cfg.outOfBandPolicy,
        { immediateMs: this.cfg.immediateCheckDelayMs, postWriteMs: this.cfg.postWriteCheckDelayMs },
        (change) => this.cache.keysTouchedBy(change),
      );
      if (plan.invalidate.length) await this.cache.deleteKeys(plan.invalidate);
      await Promise.all(plan.refresh.map((id) => this.repair.refresh(id)));
      await this.scheduler.schedule(plan.checks, `changes-${batch[0].id}-${batch[batch.length - 1].id}`);
      const traces = batch.map((c) => ({
        subject: subjectOf({ source: BUILT_IN_SOURCE, key: this.cache.keyFor(c.itemId) }),
        entry: changeEntry(c),
      }));
      await this.traces.append(traces).catch(() => undefined); // best-effort history
      for (const c of batch) this.metrics.changeRelayed(c.origin);
    });
  }

  /** Relays until the change log is drained (or `shouldStop`); returns how many changes it carried. */
  drain(shouldStop: () => boolean = () => false): Promise<number> {
    return drainChanges(() => this.relayBatch(), this.cfg.relay.batchSize, shouldStop);
  }
}
