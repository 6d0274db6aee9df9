import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheModule } from '@app/cache';
import { MetricsModule } from '@app/metrics';
import { CaptureModule } from '../capture';
import { QueuesModule } from '../queues';
import { RecordsModule } from '../records';
import { SweepModule, SweepStateModule } from '../sweep';
import { ConsistencyReportService } from './consistency-report.service';
import { ProgressHealthIndicator } from './health/progress.health';
import { Readiness } from './health/readiness';
import { RedisHealthIndicator } from './health/redis.health';
import { MetricsPublisher } from './metrics-publisher';
import { MetricsSnapshotStore } from './metrics-snapshot.store';
import { SourceReportService } from './source-report.service';
import { WorkerMetricsService } from './worker-metrics.service';

/** What every app reports: the metrics summary over all processes, each source's figures, and readiness (PostgreSQL and both Redis). */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), CacheModule, MetricsModule, QueuesModule, RecordsModule, SweepStateModule],
  providers: [ConsistencyReportService, SourceReportService, MetricsSnapshotStore, RedisHealthIndicator, Readiness],
  exports: [TerminusModule, ConsistencyReportService, SourceReportService, MetricsSnapshotStore, Readiness],
})
export class ReportingModule {}

/** What only a worker reports: its metrics with queue depth and relay backlog, its snapshots for the api's summary, and its progress. */
@Module({
  imports: [ReportingModule, MetricsModule, QueuesModule, CaptureModule, SweepModule],
  providers: [WorkerMetricsService, MetricsPublisher, ProgressHealthIndicator],
  exports: [ReportingModule, WorkerMetricsService, ProgressHealthIndicator],
})
export class WorkerReportingModule {}
