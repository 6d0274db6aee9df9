import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { MetricsModule } from '@app/metrics';
import { QueuesModule } from '../queues';
import { RecordsModule } from '../records';
import { ChangeBacklog } from './change-backlog';
import { ChangeRelayService } from './change-relay.service';
import { ItemChangesRepository } from './item-changes.repository';
import { RelayScheduler } from './relay-scheduler';
import { SourceChangesRepository } from './source-changes.repository';
import { SourceRelayService } from './source-relay.service';

/**
 * Change capture, worker side: the change log the capture trigger fills, and the relay that turns
 * each captured change into checks. (The api's side is ItemChangesNotifier, which wakes the relay.)
 */
@Module({
  imports: [QueuesModule, RecordsModule, MetricsModule, CacheModule],
  providers: [ItemChangesRepository, ChangeRelayService, SourceChangesRepository, SourceRelayService, RelayScheduler, ChangeBacklog],
  exports: [ItemChangesRepository, ChangeRelayService, SourceChangesRepository, SourceRelayService, RelayScheduler, ChangeBacklog],
})
export class CaptureModule {}
