import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { QueuesModule } from '../queues';
import { InconsistenciesRepository } from './inconsistencies.repository';
import { InconsistenciesService } from './inconsistencies.service';
import { LifecycleEvents } from './lifecycle-events';
import { TraceStore } from './trace.store';

/** The inconsistency records: their table, what operators do with them, the announcement of each transition, and the items' traces that become timelines. */
@Module({
  imports: [QueuesModule, MetricsModule],
  providers: [InconsistenciesRepository, InconsistenciesService, LifecycleEvents, TraceStore],
  exports: [InconsistenciesRepository, InconsistenciesService, LifecycleEvents, TraceStore],
})
export class RecordsModule {}
