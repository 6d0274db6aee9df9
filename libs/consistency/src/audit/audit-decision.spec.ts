import { recheckVerdict } from './audit-decision';

describe('recheckVerdict (the lifecycle confirmation rule, for a key with no record)', () => {
  it('reports the same divergence, of the built-in items and of declared sources', () => {
    expect(recheckVerdict('stale', true, false)).toBe('inconsistent');
    expect(recheckVerdict('orphan', true, true)).toBe('inconsistent');
  });

  it('settles a key that healed or whose row and entry are gone', () => {
    for (const outcome of ['consistent', 'miss', 'absent'] as const) {
      expect(recheckVerdict(outcome, false, false)).toBe('settled');
      expect(recheckVerdict(outcome, true, true)).toBe('settled');
    }
  });

  it('a mismatch that moved on: settled for the items (a write in flight), looked at again for a declared source', () => {
    expect(recheckVerdict('stale', false, false)).toBe('settled');
    expect(recheckVerdict('corrupt', false, true)).toBe('again');
  });
});
