import { columnKindOf, selectExpression } from './column-kind';

describe('columnKindOf', () => {
  it.each([
    ['int2', 'integer'],
    ['int4', 'integer'],
    ['int8', 'integer'],
    ['smallint', 'integer'],
    ['integer', 'integer'],
    ['bigint', 'integer'],
    ['oid', 'integer'],
    ['numeric', 'decimal'],
    ['numeric(10,2)', 'decimal'],
    ['NUMERIC( 12 , 4 )', 'decimal'],
    ['decimal', 'decimal'],
    ['real', 'decimal'],
    ['double precision', 'decimal'],
    ['float4', 'decimal'],
    ['float8', 'decimal'],
    ['money', 'text'],
    ['timestamp', 'timestamp'],
    ['timestamptz', 'timestamp'],
    ['timestamp without time zone', 'timestamp'],
    ['timestamp with time zone', 'timestamp'],
    ['timestamp(3) with time zone', 'timestamp'],
    ['date', 'date'],
    ['boolean', 'boolean'],
    ['bool', 'boolean'],
    ['json', 'json'],
    ['jsonb', 'json'],
    ['integer[]', 'json'],
    ['_int4', 'json'],
    ['text[]', 'json'],
    ['character varying(20)[]', 'json'],
    ['timestamp with time zone[]', 'json'],
    ['text', 'text'],
    ['character varying(255)', 'text'],
    ['varchar', 'text'],
    ['character(1)', 'text'],
    ['uuid', 'text'],
    ['citext', 'text'],
    ['inet', 'text'],
    ['time without time zone', 'text'],
    ['interval', 'text'],
    ['order_status', 'text'],
    ['"MyEnum"', 'text'],
    ['constructor', 'text'],
    ['__proto__', 'json'],
  ])('%p -> %p', (pgType, kind) => expect(columnKindOf(pgType)).toBe(kind));
});

describe('selectExpression', () => {
  const col = '"t"."c"';

  it.each([
    ['integer', 'bigint', `${col}::text`],
    ['decimal', 'numeric(10,2)', `${col}::text`],
    ['boolean', 'boolean', `${col}::text`],
    ['text', 'uuid', `${col}::text`],
    ['timestamp', 'timestamp with time zone', `to_json(${col}) #>> '{}'`],
    ['date', 'date', `to_json(${col}) #>> '{}'`],
    ['json', 'jsonb', `${col}::text`],
    ['json', 'json', `${col}::text`],
    ['json', 'integer[]', `to_json(${col})::text`],
    ['json', '_text', `to_json(${col})::text`],
  ] as const)('%s (%s) -> %s', (kind, pgType, expression) => expect(selectExpression(kind, col, pgType)).toBe(expression));

  it('gives the expression of the kind columnKindOf chose', () => {
    expect(selectExpression(columnKindOf('timestamptz'), col, 'timestamptz')).toBe(`to_json(${col}) #>> '{}'`);
  });
});
