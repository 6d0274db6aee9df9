import { Module, OnModuleInit } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { assertJobHandlers, ConsistencyModule } from '@app/consistency';
import { MetricsModule } from '@app/metrics';
import { ChangeRelay } from './change-relay';
import { CheckProcessor } from './check.processor';
import { ConfirmProcessor } from './confirm.processor';
import { MetricsPublisher } from './metrics-publisher';
import { Sweeper } from './sweeper';
import { OutageRetry } from './worker-options';

/**
 * The consumers: BullMQ processors, the change relay and the sweeper. Only the worker imports this module,
 * because @nestjs/bullmq starts a consumer for every @Processor in an app.
 */
@Module({
  imports: [ScheduleModule.forRoot(), ConsistencyModule, MetricsModule],
  providers: [OutageRetry, CheckProcessor, ConfirmProcessor, ChangeRelay, Sweeper, MetricsPublisher],
  exports: [ChangeRelay, Sweeper],
})
export class ConsistencyWorkerModule implements OnModuleInit {
  onModuleInit(): void {
    assertJobHandlers([CheckProcessor.handles, ConfirmProcessor.handles]);
  }
}
