import { Inject, Injectable } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { SourceHealer, SourceRegistry } from '@app/sources';
import { CheckScheduler } from '../queues';
import { TraceStore } from '../records';
import { drainChanges } from './change-log';
import { planSourceChanges } from './source-change';
import { SourceChangesRepository } from './source-changes.repository';

/**
 * Moves captured changes of declared sources from `source_changes` to the check queue, as
 * ChangeRelayService does for the items: claimed, acted on (each source's `onChange`), queued and
 * deleted in one PostgreSQL transaction, so a crash loses no change.
 */
@Injectable()
export class SourceRelayService {
  constructor(
    private readonly changes: SourceChangesRepository,
    private readonly registry: SourceRegistry,
    private readonly scheduler: CheckScheduler,
    private readonly cache: CacheService,
    private readonly healer: SourceHealer,
    private readonly traces: TraceStore,
    private readonly metrics: MetricsService,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  relayBatch(): Promise<number> {
    return this.changes.claim(this.cfg.relay.batchSize, async (batch) => {
      const plan = planSourceChanges(batch, (name) => this.registry.get(name), {
        immediateMs: this.cfg.immediateCheckDelayMs,
        postWriteMs: this.cfg.postWriteCheckDelayMs,
      });
      await this.cache.delete(plan.invalidate);
      await this.healer.refreshKeys(plan.refresh);
      await this.scheduler.schedule(plan.checks, `source-changes-${batch[0].id}-${batch[batch.length - 1].id}`);
      await this.traces.append(plan.traces).catch(() => undefined); // best-effort history
      for (const c of batch) this.metrics.changeRelayed('external', c.source);
    });
  }

  drain(shouldStop: () => boolean = () => false): Promise<number> {
    return drainChanges(() => this.relayBatch(), this.cfg.relay.batchSize, shouldStop);
  }
}
