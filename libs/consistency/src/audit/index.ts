export { AUDIT_USAGE, AuditUsageError, parseAuditOptions } from './audit-options';
export type { AuditOptions } from './audit-options';
export { progressFor } from './audit-progress';
export type { AuditProgress } from './audit-progress';
export { AUDIT_EXIT, auditExitCode, summaryTable, verdict } from './audit-report';
export type { AuditFinding, AuditReport, SourceAudit } from './audit-report';
export { AuditModule } from './audit.module';
export { AuditService } from './audit.service';
