import type { CacheService } from '@app/cache';
import * as compare from '../compare';
import { KeyTemplate } from '../declaration/key-template';
import type { Source } from '../registry/source';
import { isFailed, SourceInspector } from './source-inspector';
import type { SourceRows } from './source-rows';

const template = KeyTemplate.parse('thing:{id}');
const source: Source = {
  name: 'things',
  builtIn: false,
  table: '"public"."things"',
  tableName: 'public.things',
  primaryKey: ['id'],
  onChange: 'check',
  heal: 'off',
  capture: 'trigger',
  columns: { id: { name: 'id', pgType: 'integer', kind: 'integer' }, label: { name: 'label', pgType: 'text', kind: 'text' } },
  kinds: { id: 'integer', label: 'text' },
  keys: [{ template, format: 'string', shape: { format: 'string', column: 'label' }, columns: ['id', 'label'] }],
  readColumns: ['id', 'label'],
  capturedColumns: ['id'],
};
const rows = [
  { id: '1', label: 'one' },
  { id: '2', label: 'two' },
  { id: '3', label: 'three' },
];

/** The cache holds each row's label, except row 3's, which is wrong. */
const cache = {
  readValues: async (reads: { key: string }[]) =>
    reads.map(({ key }) => ({ type: 'string', value: key === 'thing:3' ? 'tree' : key === 'thing:1' ? 'one' : 'two' })),
} as unknown as CacheService;

describe('SourceInspector', () => {
  afterEach(() => jest.restoreAllMocks());

  it('isolates a comparison that throws: that key comes back failed, the others are compared', async () => {
    const real = compare.compareEntry;
    jest.spyOn(compare, 'compareEntry').mockImplementation((input) => {
      if (input.row?.id === '2') throw new TypeError('a.valueOf is not a function');
      return real(input);
    });
    const inspector = new SourceInspector(cache, {} as SourceRows);
    const results = await inspector.inspectRows(source, rows);
    expect(results.map((x) => x.cacheKey)).toEqual(['thing:1', 'thing:2', 'thing:3']);
    expect(results.map((x) => (isFailed(x) ? `failed: ${x.error.message}` : x.comparison.outcome))).toEqual([
      'consistent',
      'failed: a.valueOf is not a function',
      'diverged',
    ]);
  });
});
