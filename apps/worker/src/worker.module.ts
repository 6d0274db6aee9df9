import { Module } from '@nestjs/common';
import { PolarisConfigModule, PolarisLoggerModule } from '@app/config';
import { ConsistencyModule, queueRootModule } from '@app/consistency';
import { ConsistencyWorkerModule } from '@app/consistency/worker';
import { DatabaseModule } from '@app/database';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/** The worker: BullMQ processors, the change relay and the sweeper; an internal listener for /health and /metrics only. */
@Module({
  imports: [
    PolarisConfigModule,
    PolarisLoggerModule,
    DatabaseModule,
    queueRootModule('worker'),
    ConsistencyModule,
    ConsistencyWorkerModule,
  ],
  controllers: [HealthController, MetricsController],
})
export class WorkerModule {}
