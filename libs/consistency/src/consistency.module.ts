import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CacheModule } from '@app/cache';
import { ItemsRepositoryModule } from '@app/items';
import { MetricsModule } from '@app/metrics';
import { CacheRepairService } from './cache-repair.service';
import { ComparisonFailures } from './comparison-failures';
import { ChangeRelayService } from './change-relay.service';
import { ConsistencyQueueModule } from './consistency-queue.module';
import { ConsistencyReportService } from './consistency-report.service';
import { ProgressHealthIndicator } from './health/progress.health';
import { Readiness } from './health/readiness';
import { RedisHealthIndicator } from './health/redis.health';
import { WorkerMetricsService } from './worker-metrics.service';
import { ConsistencyService } from './consistency.service';
import { InconsistenciesRepository } from './inconsistencies.repository';
import { InconsistenciesService } from './inconsistencies.service';
import { InconsistencyEntity } from './inconsistency.entity';
import { ItemChangeEntity } from './item-change.entity';
import { ItemChangesRepository } from './item-changes.repository';
import { LifecycleEvents } from './lifecycle-events';
import { LifecycleService } from './lifecycle.service';
import { MetricsSnapshotStore } from './metrics-snapshot.store';
import { ItemWatchStore } from './item-watch.store';
import { QueueRedis } from './queue-redis.provider';
import { SweepLock } from './sweep-lock';
import { SweepService } from './sweep.service';
import { SweeperStateEntity } from './sweeper-state.entity';
import { SweeperStateRepository } from './sweeper-state.repository';

/** The consistency engine and the records it keeps. Consumers (processors, sweeper) live in worker/. */
@Module({
  imports: [
    TypeOrmModule.forFeature([InconsistencyEntity, SweeperStateEntity, ItemChangeEntity]),
    ItemsRepositoryModule,
    CacheModule,
    MetricsModule,
    ConsistencyQueueModule,
    TerminusModule.forRoot({ logger: false }),
  ],
  providers: [
    QueueRedis,
    InconsistenciesRepository,
    ItemChangesRepository,
    SweeperStateRepository,
    ItemWatchStore,
    MetricsSnapshotStore,
    LifecycleEvents,
    LifecycleService,
    ComparisonFailures,
    ConsistencyService,
    CacheRepairService,
    InconsistenciesService,
    ConsistencyReportService,
    SweepService,
    SweepLock,
    ChangeRelayService,
    RedisHealthIndicator,
    ProgressHealthIndicator,
    Readiness,
    WorkerMetricsService,
  ],
  exports: [
    ConsistencyQueueModule,
    QueueRedis,
    ConsistencyService,
    InconsistenciesService,
    ConsistencyReportService,
    MetricsSnapshotStore,
    SweepService,
    SweepLock,
    ChangeRelayService,
    ItemChangesRepository,
    TerminusModule,
    RedisHealthIndicator,
    ProgressHealthIndicator,
    Readiness,
    WorkerMetricsService,
  ],
})
export class ConsistencyModule {}
