// The consistency engine, one folder per capability. The api imports the modules of records,
// reporting and queues (and capture's ItemChangesNotifier); only the worker imports ChecksModule,
// CaptureModule, SweepModule and WorkerReportingModule.
export {
  AUDIT_EXIT,
  AUDIT_USAGE,
  auditExitCode,
  AuditModule,
  AuditService,
  AuditUsageError,
  parseAuditOptions,
  progressFor,
  summaryTable,
  verdict,
} from './audit';
export type { AuditFinding, AuditOptions, AuditProgress, AuditReport, SourceAudit } from './audit';
export {
  CaptureModule,
  ChangeRelayService,
  ItemChangesNotifier,
  ITEM_CHANGES_CHANNEL,
  planChanges,
  planSourceChanges,
  RelayScheduler,
  SourceRelayService,
} from './capture';
export type { ItemChange, SourceChange } from './capture';
export { CheckService, ChecksModule, jsonEqual, sliResult } from './checks';
export type { CheckResult, SliResult } from './checks';
export { isMismatch } from './outcome';
export type { MismatchKind, Observation, Outcome } from './outcome';
export { CHECK_JOB_OPTIONS, CheckScheduler, JOBS, QUEUES, queueConnectionOptions, queueRootModule, QueuesModule } from './queues';
export type { CheckJob, QueueRole } from './queues';
export {
  CheckRequestedDto,
  ConsistencyError,
  ConsistencyErrorCode,
  InconsistenciesService,
  InconsistencyDetailDto,
  InconsistencyDto,
  ListInconsistenciesQueryDto,
  RecordsModule,
  RefreshResultDto,
} from './records';
export {
  ConsistencyReportService,
  MetricsPublisher,
  MetricsSummaryDto,
  ProgressHealthIndicator,
  Readiness,
  SourceReportDto,
  SourceReportService,
  ReportingModule,
  WorkerMetricsService,
  WorkerReportingModule,
} from './reporting';
export { AscendingIdSet, SourceSweepService, SweepLock, SweepModule, SweepScheduler, SweepService } from './sweep';
export type { SourceSweepResult, SweepTickResult } from './sweep';
