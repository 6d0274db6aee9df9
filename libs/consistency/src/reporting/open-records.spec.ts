import type { OpenRecords } from '../records';
import { openRecordGauges as sut } from './open-records';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000);
const open = (source: string, kind: OpenRecords['kind'], status: OpenRecords['status'], count: number, ageS: number): OpenRecords => ({
  source,
  kind,
  status,
  count,
  oldestDetectedAt: ago(ageS),
});

describe('openRecordGauges', () => {
  it('keeps the counts by source, kind and status, and the oldest age by source and status across kinds', () => {
    const gauges = sut(
      [
        open('items', 'stale', 'confirmed', 2, 30),
        open('items', 'corrupt', 'confirmed', 1, 90),
        open('items', 'stale', 'persistent', 4, 7200),
        open('customers', 'orphan', 'confirmed', 1, 5),
      ],
      NOW,
    );
    expect(gauges.counts).toEqual([
      { source: 'items', kind: 'stale', status: 'confirmed', count: 2 },
      { source: 'items', kind: 'corrupt', status: 'confirmed', count: 1 },
      { source: 'items', kind: 'stale', status: 'persistent', count: 4 },
      { source: 'customers', kind: 'orphan', status: 'confirmed', count: 1 },
    ]);
    expect(gauges.oldest).toEqual([
      { source: 'items', status: 'confirmed', seconds: 90 },
      { source: 'items', status: 'persistent', seconds: 7200 },
      { source: 'customers', status: 'confirmed', seconds: 5 },
    ]);
  });

  it('has no series without open records, and never a negative age (clocks apart)', () => {
    expect(sut([], NOW)).toEqual({ counts: [], oldest: [] });
    expect(sut([open('items', 'stale', 'confirmed', 1, -3)], NOW).oldest).toEqual([{ source: 'items', status: 'confirmed', seconds: 0 }]);
  });
});
