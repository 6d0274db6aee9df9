import { Module, OnModuleInit } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { assertJobHandlers, QueuesModule } from '../queues';
import { RecordsModule } from '../records';
import { CheckProcessor } from './check.processor';
import { CheckService } from './check.service';
import { ComparisonFailures } from './comparison-failures';
import { ConfirmProcessor } from './confirm.processor';
import { WatchStore } from './watch.store';
import { LifecycleService } from './lifecycle.service';
import { OutageRetry } from './outage-retry';

/**
 * The checks and their lifecycle: check and confirm jobs consumed, each (row, entry) pair
 * classified, the grace period run, records written. Worker only: @nestjs/bullmq starts a consumer
 * for every @Processor in an app.
 */
@Module({
  imports: [QueuesModule, RecordsModule, MetricsModule],
  providers: [WatchStore, ComparisonFailures, LifecycleService, CheckService, OutageRetry, CheckProcessor, ConfirmProcessor],
  exports: [ComparisonFailures, CheckService],
})
export class ChecksModule implements OnModuleInit {
  onModuleInit(): void {
    assertJobHandlers([CheckProcessor.handles, ConfirmProcessor.handles]);
  }
}
