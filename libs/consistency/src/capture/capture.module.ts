import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/metrics';
import { QueuesModule } from '../queues';
import { RecordsModule } from '../records';
import { ChangeRelayService } from './change-relay.service';
import { ItemChangesRepository } from './item-changes.repository';
import { RelayScheduler } from './relay-scheduler';

/**
 * Change capture, worker side: the change log the capture trigger fills, and the relay that turns
 * each captured change into checks. (The api's side is ItemChangesNotifier, which wakes the relay.)
 */
@Module({
  imports: [QueuesModule, RecordsModule, MetricsModule],
  providers: [ItemChangesRepository, ChangeRelayService, RelayScheduler],
  exports: [ItemChangesRepository, ChangeRelayService, RelayScheduler],
})
export class CaptureModule {}
