import { buildTimeline, TimelineEntry } from './timeline';

const changeEntry = (at: string, v: number): TimelineEntry => ({
  at,
  type: 'change',
  op: 'update',
  origin: 'api',
  oldVersion: v - 1,
  newVersion: v,
});
const check = (at: string, outcome: 'stale' | 'consistent'): TimelineEntry => ({
  at,
  type: 'check',
  trigger: 'write',
  outcome,
  dbVersion: 2,
  cacheVersion: 1,
});

describe('buildTimeline', () => {
  it('orders changes and checks by time', () => {
    const sut = buildTimeline(
      [check('2026-01-01T00:00:02Z', 'stale'), changeEntry('2026-01-01T00:00:01Z', 2), check('2026-01-01T00:00:00Z', 'consistent')],
      new Date(0),
      10,
    );
    expect(sut.map((e) => Date.parse(e.at))).toEqual([0, 1, 2].map((s) => Date.UTC(2026, 0, 1, 0, 0, s)));
    expect(sut.map((e) => e.type)).toEqual(['check', 'change', 'check']);
  });

  it('drops entries before the window', () => {
    const sut = buildTimeline(
      [check('2026-01-01T00:00:00Z', 'stale'), check('2026-01-01T00:01:00Z', 'stale')],
      new Date('2026-01-01T00:00:30Z'),
      10,
    );
    expect(sut).toHaveLength(1);
  });

  it('keeps only the most recent entries when over the bound', () => {
    const trace = Array.from({ length: 30 }, (_, i) => changeEntry(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), i + 2));
    const sut = buildTimeline(trace, new Date(0), 5);
    expect(sut).toHaveLength(5);
    expect(sut[4]).toMatchObject({ newVersion: 31 });
  });
});
