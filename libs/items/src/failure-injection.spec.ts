import { planCacheWrite } from './failure-injection';

describe('planCacheWrite', () => {
  const base = { delayMs: 2000, rate: 1 };

  it('writes normally with no failure mode', () => {
    expect(planCacheWrite({ ...base, mode: 'none' }, 2000, 0)).toEqual({ kind: 'write' });
  });

  it('skips the cache write in skip mode', () => {
    expect(planCacheWrite({ ...base, mode: 'skip' }, 2000, 0.5)).toEqual({ kind: 'skip' });
  });

  it('overwrites with the old entry after the delay in delay mode', () => {
    expect(planCacheWrite({ ...base, mode: 'delay' }, 2000, 0.5)).toEqual({ kind: 'write-then-stale', staleAfterMs: 2000 });
  });

  it('repairs a blip well inside the grace period', () => {
    const plan = planCacheWrite({ ...base, mode: 'blip' }, 2000, 0.5);
    expect(plan).toEqual({ kind: 'write-stale-then-repair', repairAfterMs: 500 });
  });

  it('affects only the configured share of writes', () => {
    const failure = { mode: 'skip' as const, delayMs: 0, rate: 0.25 };
    expect(planCacheWrite(failure, 2000, 0.2)).toEqual({ kind: 'skip' });
    expect(planCacheWrite(failure, 2000, 0.25)).toEqual({ kind: 'write' });
    expect(planCacheWrite({ ...failure, rate: 0 }, 2000, 0)).toEqual({ kind: 'write' });
  });
});
