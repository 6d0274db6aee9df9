import { KeyTemplate, Source } from '@app/sources';
import { keysOf, planSourceChanges, SourceChange } from './source-change';

const key = (text: string, format: 'json' | 'string') => {
  const template = KeyTemplate.parse(text);
  return {
    template,
    format,
    shape: format === 'json' ? { format, fields: {} } : { format, column: 'id' },
    columns: template.columns,
  } as Source['keys'][number];
};

function source(overrides: Partial<Source> = {}): Source {
  return {
    name: 'customers',
    builtIn: false,
    table: '"shop"."customers"',
    tableName: 'shop.customers',
    primaryKey: ['id'],
    version: 'updated_at',
    onChange: 'check',
    heal: 'off',
    capture: 'trigger',
    columns: {},
    kinds: {},
    keys: [key('customer:{id}', 'json'), key('customer:by-email:{email}', 'string')],
    readColumns: ['id', 'email', 'updated_at'],
    capturedColumns: ['id', 'email', 'updated_at'],
    ...overrides,
  };
}

const change = (op: SourceChange['op'], oldKeys: SourceChange['oldKeys'], newKeys: SourceChange['newKeys'], id = '1'): SourceChange => ({
  id,
  source: 'customers',
  op,
  oldKeys,
  newKeys,
  changedAt: new Date('2026-11-27T12:00:00.000Z'),
});

const DELAYS = { immediateMs: 100, postWriteMs: 2500 };

describe('planSourceChanges', () => {
  it('checks the keys of the row before and after a change: an email change checks the old by-email key too', () => {
    const s = source();
    const plan = planSourceChanges(
      [change('update', { id: 'a', email: 'old@x', updated_at: 'v1' }, { id: 'a', email: 'new@x', updated_at: 'v2' })],
      () => s,
      DELAYS,
    );
    const now = plan.checks.filter((c) => c.trigger === 'change').map((c) => [c.key, c.delayMs]);
    expect(now).toEqual([
      ['customer:a', 100],
      ['customer:by-email:old@x', 100],
      ['customer:by-email:new@x', 100],
    ]);
    const later = plan.checks.filter((c) => c.trigger === 'post-change');
    expect(later).toHaveLength(3);
    expect(later[0]).toMatchObject({ delayMs: 2500, version: 'v2', writtenAt: Date.parse('2026-11-27T12:00:00.000Z') });
    expect(plan.traces.map((t) => t.subject)).toEqual([
      'customers/customer:a',
      'customers/customer:by-email:old@x',
      'customers/customer:by-email:new@x',
    ]);
    expect(plan.traces[0].entry).toMatchObject({ type: 'change', op: 'update', oldVersion: 'v1', newVersion: 'v2' });
  });

  it('uses the source checkDelayMs, checks a key once per batch, samples every change, and skips inserts', () => {
    const s = source({ checkDelayMs: 250 });
    const plan = planSourceChanges(
      [
        change('insert', null, { id: 'a', email: 'a@x', updated_at: 'v1' }, '1'),
        change('update', { id: 'a', email: 'a@x', updated_at: 'v1' }, { id: 'a', email: 'a@x', updated_at: 'v2' }, '2'),
        change('update', { id: 'a', email: 'a@x', updated_at: 'v2' }, { id: 'a', email: 'a@x', updated_at: 'v3' }, '3'),
      ],
      () => s,
      DELAYS,
    );
    expect(plan.checks.filter((c) => c.trigger === 'change').map((c) => [c.key, c.delayMs])).toEqual([
      ['customer:a', 250],
      ['customer:by-email:a@x', 250],
    ]);
    expect(plan.checks.filter((c) => c.trigger === 'post-change').map((c) => c.version)).toEqual(['v2', 'v2', 'v3', 'v3']);
  });

  it('invalidates or refreshes the touched keys first, per the source onChange; a delete has no new keys', () => {
    const del = [change('delete', { id: 'a', email: 'a@x', updated_at: 'v1' }, null)];
    expect(planSourceChanges(del, () => source({ onChange: 'invalidate' }), DELAYS).invalidate).toEqual([
      'customer:a',
      'customer:by-email:a@x',
    ]);
    expect(planSourceChanges(del, () => source({ onChange: 'refresh' }), DELAYS).refresh).toEqual(['customer:a', 'customer:by-email:a@x']);
    const checkOnly = planSourceChanges(del, () => source(), DELAYS);
    expect([checkOnly.invalidate, checkOnly.refresh]).toEqual([[], []]);
    expect(checkOnly.checks.find((c) => c.trigger === 'post-change')).not.toHaveProperty('version');
  });

  it('ignores changes of a source no longer declared', () => {
    expect(planSourceChanges([change('update', { id: 'a' }, { id: 'a' })], () => undefined, DELAYS).checks).toEqual([]);
  });
});

describe('keysOf', () => {
  it('renders no key for a template whose column is NULL', () => {
    expect(keysOf(source(), { id: 'a', email: null })).toEqual(['customer:a']);
    expect(keysOf(source(), null)).toEqual([]);
  });
});
