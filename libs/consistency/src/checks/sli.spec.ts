import { sliResult } from './sli';

describe('sliResult: was the cache consistent with the sampled write?', () => {
  it('is consistent when the cache matches the database', () => {
    expect(sliResult({ outcome: 'consistent', cacheVersion: 5 }, 5)).toBe('consistent');
  });

  it('is consistent when the cache holds this write, or a newer one, while a later write is in flight', () => {
    expect(sliResult({ outcome: 'stale', cacheVersion: 5 }, 5)).toBe('consistent');
    expect(sliResult({ outcome: 'stale', cacheVersion: 6 }, 5)).toBe('consistent');
  });

  it('is inconsistent when the cache never got this write', () => {
    expect(sliResult({ outcome: 'stale', cacheVersion: 4 }, 5)).toBe('inconsistent');
    expect(sliResult({ outcome: 'stale', cacheVersion: 4 })).toBe('inconsistent');
  });

  it.each(['ahead', 'corrupt', 'orphan'] as const)('is inconsistent for %s entries, whatever the version', (outcome) => {
    expect(sliResult({ outcome, cacheVersion: 9 }, 5)).toBe('inconsistent');
  });

  it.each(['miss', 'absent'] as const)('is absent when there is no cached copy (%s)', (outcome) => {
    expect(sliResult({ outcome, cacheVersion: null }, 5)).toBe('absent');
  });
});
