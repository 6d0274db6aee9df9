export { ConsistencyReportService } from './consistency-report.service';
export { MetricsSummaryDto } from './dto/metrics-summary.dto';
export { ProgressHealthIndicator } from './health/progress.health';
export { HEALTH_TIMEOUT_MS, Readiness } from './health/readiness';
export { RedisHealthIndicator } from './health/redis.health';
export { MetricsPublisher } from './metrics-publisher';
export { MetricsSnapshotStore } from './metrics-snapshot.store';
export { ReportingModule, WorkerReportingModule } from './reporting.module';
export { WorkerMetricsService } from './worker-metrics.service';
