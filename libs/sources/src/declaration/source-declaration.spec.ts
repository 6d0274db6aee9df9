import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeclarationError, parseDeclaration, readDeclaration } from './source-declaration';

const EXAMPLE = `
sources:
  - name: customers
    table: shop.customers
    primaryKey: [id]
    version: updated_at
    onChange: check
    heal: off
    checkDelayMs: 250
    capture: trigger
    keys:
      - key: "customer:{id}"
        format: json
        fields: { id: id, email: email, updatedAt: updated_at }
      - key: "customer:{id}:profile"
        format: hash
        fields: { email: email, tier: tier }
      - key: "customer:by-email:{email}"
        format: string
        column: id
  - name: orders
    table: orders
    keys:
      - key: "order:{tenant_id}:{id}"
        format: json
`;

function problemsOf(text: string): string[] {
  try {
    parseDeclaration(text);
  } catch (err) {
    if (err instanceof DeclarationError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a DeclarationError');
}

describe('parseDeclaration', () => {
  it('reads the documented example, with defaults (heal: off stays a string)', () => {
    const [customers, orders] = parseDeclaration(EXAMPLE);
    expect(customers).toMatchObject({
      name: 'customers',
      table: 'shop.customers',
      primaryKey: ['id'],
      version: 'updated_at',
      heal: 'off',
      checkDelayMs: 250,
    });
    expect(customers.keys.map((k) => [k.template.text, k.format])).toEqual([
      ['customer:{id}', 'json'],
      ['customer:{id}:profile', 'hash'],
      ['customer:by-email:{email}', 'string'],
    ]);
    expect(customers.keys[2]).toMatchObject({ column: 'id' });
    expect(orders).toMatchObject({ onChange: 'check', heal: 'off', capture: 'trigger' });
    expect(orders.primaryKey).toBeUndefined();
    expect(orders.keys[0]).not.toHaveProperty('fields');
  });

  it('declares nothing for an empty file or an empty list', () => {
    expect(parseDeclaration('')).toEqual([]);
    expect(parseDeclaration('sources: []')).toEqual([]);
  });

  it('reads nothing when the file does not exist, and names an unreadable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'polaris-decl-'));
    expect(readDeclaration(join(dir, 'absent.yaml'))).toEqual([]);
    writeFileSync(join(dir, 'p.yaml'), 'sources: [');
    expect(() => readDeclaration(join(dir, 'p.yaml'))).toThrow(/p\.yaml is not a valid sources declaration:\n {2}- line 1/);
    expect(() => readDeclaration(dir)).toThrow(/cannot be read: EISDIR/);
  });

  it.each([
    ['a bad name', 'sources: [{name: Customers, table: t, keys: [{key: "c:{id}", format: json}]}]', 'sources[0].name: must match'],
    [
      'the built-in name',
      'sources: [{name: items, table: t, keys: [{key: "c:{id}", format: json}]}]',
      'sources[0] (items).name: "items" is the built-in',
    ],
    [
      'a duplicate name',
      'sources: [{name: a, table: t, keys: [{key: "a:{id}", format: json}]}, {name: a, table: u, keys: [{key: "b:{id}", format: json}]}]',
      'sources[1] (a).name: is also the name of sources[0]',
    ],
    [
      'a bad table',
      'sources: [{name: a, table: "t; drop table x", keys: [{key: "a:{id}", format: json}]}]',
      'sources[0] (a).table: must be a table name',
    ],
    ['a bad template', 'sources: [{name: a, table: t, keys: [{key: "a:{id", format: json}]}]', 'sources[0] (a).keys[0].key: "a:{id" has a'],
    [
      'a template without placeholder',
      'sources: [{name: a, table: t, keys: [{key: "a", format: json}]}]',
      'sources[0] (a).keys[0].key: "a" has no {column}',
    ],
    [
      'a bad format',
      'sources: [{name: a, table: t, keys: [{key: "a:{id}", format: xml}]}]',
      'sources[0] (a).keys[0].format: must be one of json, hash, string (got "xml")',
    ],
    [
      'a string key without column',
      'sources: [{name: a, table: t, keys: [{key: "a:{id}", format: string}]}]',
      'sources[0] (a).keys[0].column: must name the column',
    ],
    [
      'a string key with fields',
      'sources: [{name: a, table: t, keys: [{key: "a:{id}", format: string, column: id, fields: {a: b}}]}]',
      'keys[0].fields: is for json and hash keys',
    ],
    [
      'a json key with a column',
      'sources: [{name: a, table: t, keys: [{key: "a:{id}", format: json, column: id}]}]',
      'keys[0].column: is for string keys',
    ],
    [
      'a field mapped to a non-column',
      'sources: [{name: a, table: t, keys: [{key: "a:{id}", format: hash, fields: {x: "1 + 1"}}]}]',
      'keys[0].fields.x: must name a column',
    ],
    [
      'a __proto__ field',
      'sources: [{name: a, table: t, keys: [{key: "a:{id}", format: hash, fields: {__proto__: id}}]}]',
      'keys[0].fields: "__proto__" cannot be',
    ],
    ['no keys', 'sources: [{name: a, table: t}]', 'sources[0] (a).keys: must be a non-empty list'],
    [
      'an unknown field',
      'sources: [{name: a, table: t, primarykey: [id], keys: [{key: "a:{id}", format: json}]}]',
      'sources[0] (a).primarykey: unknown field',
    ],
    [
      'a bad policy',
      'sources: [{name: a, table: t, heal: yes, keys: [{key: "a:{id}", format: json}]}]',
      'sources[0] (a).heal: must be one of off, refresh, invalidate (got "yes")',
    ],
    [
      'a bad onChange',
      'sources: [{name: a, table: t, onChange: delete, keys: [{key: "a:{id}", format: json}]}]',
      'sources[0] (a).onChange: must be one of',
    ],
    [
      'a bad capture',
      'sources: [{name: a, table: t, capture: cdc, keys: [{key: "a:{id}", format: json}]}]',
      'sources[0] (a).capture: must be one of trigger, none',
    ],
    [
      'a bad delay',
      'sources: [{name: a, table: t, checkDelayMs: -1, keys: [{key: "a:{id}", format: json}]}]',
      'sources[0] (a).checkDelayMs: must be a whole number',
    ],
    [
      'a bad primary key',
      'sources: [{name: a, table: t, primaryKey: id, keys: [{key: "a:{id}", format: json}]}]',
      'sources[0] (a).primaryKey: must be a non-empty list',
    ],
    [
      'a key declared twice',
      'sources: [{name: a, table: t, keys: [{key: "a:{id}", format: json}]}, {name: b, table: u, keys: [{key: "a:{id}", format: hash}]}]',
      'sources[1] (b).keys[0].key: "a:{id}" is already declared by sources[0] (a)',
    ],
    ['a duplicate YAML key', 'sources:\n  - name: a\n    name: b\n', 'line 3'],
    ['an unknown top-level field', 'source: []', 'unknown top-level field `source`'],
    ['a scalar file', 'hello', 'must be a mapping'],
    ['a sources mapping', 'sources: {a: 1}', '`sources` must be a list'],
  ])('names the source and the field for %s', (_, text, message) => {
    expect(problemsOf(text).join('\n')).toContain(message);
  });

  it('lists every problem at once', () => {
    expect(problemsOf('sources: [{name: A, table: "", keys: [{key: "x", format: csv}]}]')).toHaveLength(4);
  });
});
