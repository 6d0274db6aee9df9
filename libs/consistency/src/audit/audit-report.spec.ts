import { AuditReport, auditExitCode, emptySourceAudit, summaryTable, verdict } from './audit-report';

function reportOf(...sources: ReturnType<typeof emptySourceAudit>[]): AuditReport {
  return {
    startedAt: '2026-11-28T00:00:00.000Z',
    finishedAt: '2026-11-28T00:00:02.000Z',
    seconds: 2,
    options: { sources: sources.map((s) => s.source), limit: null, sample: null, maxRate: null, gracePeriodMs: 2000 },
    consistent: true,
    sources,
    inconsistencies: [],
    uncomparable: [],
  };
}

function audit(source: string, patch: Partial<ReturnType<typeof emptySourceAudit>> = {}) {
  return { ...emptySourceAudit(source), rows: 1000, checked: 1000, consistent: 1000, keysScanned: 1000, seconds: 1.25, ...patch };
}

describe('audit report', () => {
  it('exit status: 0 consistent, 1 when an inconsistency remains, 2 when entries could not be compared and none differs', () => {
    expect(auditExitCode(reportOf(audit('items'), audit('customers')))).toBe(0);
    const stale = audit('customers');
    stale.inconsistent.stale = 1;
    expect(auditExitCode(reportOf(audit('items'), stale))).toBe(1);
    expect(auditExitCode(reportOf(audit('items', { uncomparable: 3 })))).toBe(2);
    expect(auditExitCode(reportOf(audit('items', { uncomparable: 3 }), stale))).toBe(1);
  });

  it('the summary: a column per source and a total, every kind, settled, uncomparable and the orphan search', () => {
    const stale = audit('customers', { settled: 2, keysScanned: null });
    stale.inconsistent.stale = 1234;
    const table = summaryTable(reportOf(audit('items'), stale));
    expect(table.split('\n')[1]).toMatch(/│\s+│\s+items │\s+customers │\s+total │/);
    expect(table).toMatch(/│ rows\s+│\s+1,000 │\s+1,000 │\s+2,000 │/);
    expect(table).toMatch(/│ stale\s+│\s+0 │\s+1,234 │\s+1,234 │/);
    for (const line of ['consistent', 'not cached', 'ahead', 'corrupt', 'diverged', 'orphan', 'uncomparable'])
      expect(table).toMatch(new RegExp(`│ ${line}\\s+│`));
    expect(table).toMatch(/│ settled in grace\s+│\s+0 │\s+2 │\s+2 │/);
    expect(table).toMatch(/│ orphan search\s+│\s+1,000 scanned │\s+skipped │\s+1,000 scanned │/);
    expect(table).toMatch(/│ time\s+│\s+1.3 s │\s+1.3 s │\s+2.0 s │/);
    expect(verdict(reportOf(audit('items'), stale))).toBe(
      'INCONSISTENT: 1,234 keys still differ from PostgreSQL after the 2000 ms grace re-check (2,000 cache keys of 2,000 rows in 2.0 s)',
    );
  });

  it('a single source has no total column; the verdict names what was not verified', () => {
    const table = summaryTable(reportOf(audit('items')));
    expect(table).not.toMatch(/total/);
    expect(verdict(reportOf(audit('items')))).toBe('CONSISTENT: 1,000 cache keys of 1,000 rows in 2.0 s');
    expect(verdict(reportOf(audit('items', { uncomparable: 1 })))).toMatch(/^NOT VERIFIED: 1 entries could not be compared/);
  });
});
