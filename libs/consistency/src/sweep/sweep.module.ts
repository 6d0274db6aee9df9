import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { MetricsModule } from '@app/metrics';
import { ChecksModule } from '../checks';
import { QueuesModule } from '../queues';
import { RecordsModule } from '../records';
import { SourceSweepStateRepository } from './source-sweep-state.repository';
import { SourceSweepService } from './source-sweep.service';
import { SweepLock } from './sweep-lock';
import { SweepScheduler } from './sweep-scheduler';
import { SweepService } from './sweep.service';
import { SweeperStateRepository } from './sweeper-state.repository';

/** The background audit: one sweeper at a time (a lease in Redis) on a cursor shared in PostgreSQL. Worker only. */
@Module({
  imports: [QueuesModule, RecordsModule, ChecksModule, MetricsModule, CacheModule],
  providers: [SweeperStateRepository, SweepLock, SweepService, SourceSweepStateRepository, SourceSweepService, SweepScheduler],
  exports: [SweeperStateRepository, SweepService, SourceSweepService, SweepScheduler],
})
export class SweepModule {}
