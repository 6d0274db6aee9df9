import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { MetricsModule } from '@app/metrics';
import { ChecksModule } from '../checks';
import { QueuesModule } from '../queues';
import { RecordsModule } from '../records';
import { SourceSweepService } from './source-sweep.service';
import { SweepLock } from './sweep-lock';
import { SweepScheduler } from './sweep-scheduler';
import { SweepStateModule } from './sweep-state.module';
import { SweepService } from './sweep.service';

/** The background audit: one sweeper at a time (a lease in Redis) on a cursor shared in PostgreSQL. Worker only. */
@Module({
  imports: [QueuesModule, RecordsModule, ChecksModule, MetricsModule, CacheModule, SweepStateModule],
  providers: [SweepLock, SweepService, SourceSweepService, SweepScheduler],
  exports: [SweepStateModule, SweepService, SourceSweepService, SweepScheduler],
})
export class SweepModule {}
