import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { ChecksModule } from '../checks';
import { QueuesModule } from '../queues';
import { RecordsModule } from '../records';
import { SweepLock } from './sweep-lock';
import { SweepScheduler } from './sweep-scheduler';
import { SweepService } from './sweep.service';
import { SweeperStateRepository } from './sweeper-state.repository';

/** The background audit: one sweeper at a time (a lease in Redis) on a cursor shared in PostgreSQL. Worker only. */
@Module({
  imports: [QueuesModule, RecordsModule, ChecksModule, MetricsModule],
  providers: [SweeperStateRepository, SweepLock, SweepService, SweepScheduler],
  exports: [SweeperStateRepository, SweepService, SweepScheduler],
})
export class SweepModule {}
