import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { PolarisConfigModule, PolarisLoggerModule } from '@app/config';
import { CaptureModule, ChecksModule, queueRootModule, SweepModule, WorkerReportingModule } from '@app/consistency';
import { DatabaseModule } from '@app/database';
import { SourcesModule } from '@app/sources';
import { ItemsModule } from '@app/items';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/** The worker: the checks (BullMQ processors), the change relay and the sweeper; an internal listener for /health and /metrics only. */
@Module({
  imports: [
    PolarisConfigModule,
    PolarisLoggerModule,
    DatabaseModule.forRoot(),
    SourcesModule,
    queueRootModule('worker'),
    ScheduleModule.forRoot(),
    ItemsModule.forRoot(),
    ChecksModule,
    CaptureModule,
    SweepModule,
    WorkerReportingModule,
  ],
  controllers: [HealthController, MetricsController],
})
export class WorkerModule {}
