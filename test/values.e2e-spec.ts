import fc from 'fast-check';
import { compareEntry, RowText, SourceRegistry, SourceRows } from '@app/sources';
import { itemValue, Json, jsonValue, mutated, TestContext, waitFor } from '@app/testing';

const VALUES = 10_000;
const IN_FLIGHT = 16;

/** Runs `work` over `inputs` with at most `limit` in flight. */
async function inParallel<T>(inputs: readonly T[], limit: number, work: (input: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < inputs.length) {
        const i = next++;
        await work(inputs[i], i);
      }
    }),
  );
}

/**
 * Values round-trip exactly, whatever their keys: every JSON value the api accepts is stored and
 * returned deep-equal (POST, GET from PostgreSQL, GET from the cache, PUT), and compares (as the
 * built-in source, through the generic comparison) as consistent against itself and as corrupt
 * against a copy mutated in one place.
 */
describe('values round-trip exactly, whatever their keys', () => {
  let ctx: TestContext;
  const items = () => ctx.api!.get(SourceRegistry).builtIn!;
  const compare = (row: RowText, raw: string) =>
    compareEntry({
      shape: items().keys[0].shape,
      kinds: items().kinds,
      versionColumn: 'version',
      row,
      entry: { type: 'string', value: raw },
    }).outcome;

  beforeAll(async () => {
    ctx = await TestContext.create('values', { LOG_LEVEL: 'error' });
    await ctx.startApi();
  });

  afterAll(() => ctx.close());

  it('keeps keys named like Object.prototype members, at any depth, on POST and PUT', async () => {
    const value = { foo: 1, constructor: 2, toString: 'x', nested: [{ valueOf: 1, hasOwnProperty: { prototype: null } }] };
    const created = await ctx.http('POST', '/items', { name: 'k1', value });
    expect(created.status).toBe(201);
    expect(created.body.value).toEqual(value);
    expect((await ctx.pg.query(`SELECT value FROM items WHERE id = $1`, [created.body.id])).rows[0].value).toEqual(value);
    const changed = { ...value, isPrototypeOf: [1], propertyIsEnumerable: true, toLocaleString: {}, __defineGetter__: 'g' };
    const put = await ctx.http('PUT', `/items/${created.body.id}`, { value: changed });
    expect(put.status).toBe(200);
    expect(put.body.data.value).toEqual(changed);
    expect((await ctx.http('GET', `/items/${created.body.id}`)).body).toMatchObject({ source: 'cache', data: { value: changed } });
  });

  it.each([
    ['a __proto__ key', '{"name": "x", "value": {"a": {"__proto__": {"polluted": true}}}}', /body\.value\.a has a "__proto__" key/],
    ['a top-level __proto__ key', '{"name": "x", "value": 1, "__proto__": {}}', /body has a "__proto__" key/],
    [
      'a constructor holding prototype',
      '{"name": "x", "value": [{"constructor": {"prototype": 1}}]}',
      /body\.value\[0\]\.constructor has a "prototype" key/,
    ],
  ])('refuses %s with a 400 that says why, and writes nothing', async (_, body, message) => {
    const before = (await ctx.pg.query(`SELECT count(*)::int AS n FROM items`)).rows[0].n;
    const res = await ctx.api!.inject({ method: 'POST', url: '/items', headers: { 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(message);
    expect((await ctx.pg.query(`SELECT count(*)::int AS n FROM items`)).rows[0].n).toBe(before);
  });

  it.each(['toString', 'constructor', 'valueOf'])('refuses an unknown top-level field named %s instead of ignoring it', async (field) => {
    const res = await ctx.api!.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: `{"name": "x", "value": 1, "${field}": 1}`,
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().message)).toContain(`property ${field} should not exist`);
  });

  it(`round-trips ${VALUES} generated values through POST, GET (PostgreSQL), GET (cache) and PUT, each consistent with itself`, async () => {
    const values = fc.sample(fc.tuple(itemValue, fc.nat()), { numRuns: VALUES, seed: 20261127 });
    const failures: string[] = [];
    const same = (what: string, got: unknown, sent: Json) => {
      try {
        expect(got).toEqual(sent);
      } catch {
        failures.push(`${what}: sent ${JSON.stringify(sent)}, got ${JSON.stringify(got)}`);
      }
    };
    await inParallel(values, IN_FLIGHT, async ([value, pick], i) => {
      const sent = JSON.parse(JSON.stringify(value)) as Json; // what the request carries (-0 is 0)
      const created = await ctx.http('POST', '/items', { name: `v${i}`, value: sent });
      if (created.status !== 201)
        return void failures.push(`POST ${JSON.stringify(sent)}: ${created.status} ${JSON.stringify(created.body)}`);
      const id: string = created.body.id;
      same('POST', created.body.value, sent);
      const fromDb = await ctx.http('GET', `/items/${id}`);
      same(`GET (${fromDb.body.source})`, fromDb.body.data?.value, sent);
      const fromCache = await ctx.http('GET', `/items/${id}`);
      same(`GET (${fromCache.body.source})`, fromCache.body.data?.value, sent);
      const put = await ctx.http('PUT', `/items/${id}`, { value: sent });
      same('PUT', put.body.data?.value, sent);
      const row = (await ctx.pg.query(`SELECT id, name, value, version FROM items WHERE id = $1`, [id])).rows[0];
      same('row', row.value, sent);
      const raw = (await ctx.redis.get(ctx.cacheKey(id)))!;
      const [[rowText]] = await ctx.api!.get(SourceRows).byValues(items(), ['id'], [[id]]);
      if (compare(rowText, raw) !== 'consistent') failures.push(`compare ${raw}: ${compare(rowText, raw)}`);
      const other = JSON.stringify({ ...JSON.parse(raw), value: mutated(sent, pick) });
      if (compare(rowText, other) !== 'corrupt') failures.push(`mutated ${other}: ${compare(rowText, other)}`);
    });
    expect(failures.slice(0, 5)).toEqual([]);
  }, 600_000);

  it('generates the awkward keys at every depth (the property above covers them)', () => {
    const keys = new Set<string>();
    const walk = (v: Json, depth: number) => {
      if (typeof v !== 'object' || v === null) return;
      for (const [k, child] of Object.entries(v)) {
        if (!Array.isArray(v)) keys.add(`${depth}:${k}`);
        walk(child, depth + 1);
      }
    };
    for (const v of fc.sample(jsonValue, { numRuns: VALUES, seed: 20261127 })) walk(v, 0);
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', '__defineGetter__'])
      for (const depth of [0, 1, 2]) expect(keys).toContain(`${depth}:${key}`);
  });
});

describe('query parameters: decimal digits only', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('values_query', { LOG_LEVEL: 'error' });
    await ctx.startApi();
  });

  afterAll(() => ctx.close());

  it.each(['0x10', ' 5', '5 ', '1e1', '+5', '5.0', '', '0b1', '٣'])('refuses limit=%p with 400', async (limit) => {
    for (const path of ['/items', '/items/inconsistencies/all', '/items/inconsistencies/active']) {
      const res = await ctx.http('GET', `${path}?limit=${encodeURIComponent(limit)}`);
      expect({ path, limit, status: res.status }).toEqual({ path, limit, status: 400 });
    }
  });

  it('takes plain digits', async () => {
    await ctx.createItem('a');
    await ctx.createItem('b');
    const res = await ctx.http('GET', '/items?limit=1');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect((await ctx.http('GET', '/items/inconsistencies/all?limit=0010')).status).toBe(200);
  });
});

/**
 * Rows written with SQL whose values use member names as keys: once cached, they must neither stop
 * the sweep (fast-deep-equal called `valueOf` as a method) nor be reported (it compared `constructor`
 * keys by identity), and the sweep must still find a real corruption elsewhere.
 */
describe('the sweep and the checks compare values as JSON, never calling their members', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('values_sweep', { SWEEP_ENABLED: 'true', SWEEP_INTERVAL_MS: '100', LOG_LEVEL: 'error' });
    await ctx.startApi();
    await ctx.startWorker();
  });

  afterAll(() => ctx.close());

  const passes = async () => Object.values(await ctx.counter('polaris_sweep_passes_total', '')).reduce((a, b) => a + b, 0);

  it('sweeps past rows valued {"valueOf":1}, {"toString":1} and {"constructor":{...}}, and reports only the real corruption', async () => {
    const awkward = ['{"valueOf": 1}', '{"toString": 1}', '{"constructor": {"a": 1}}', '{"hasOwnProperty": {"valueOf": [1]}}'];
    const ids: string[] = [];
    for (const value of awkward) {
      const { rows } = await ctx.pg.query(`INSERT INTO items (name, value) VALUES ('sql', $1::jsonb) RETURNING id`, [value]);
      ids.push(rows[0].id);
    }
    for (const id of ids) expect((await ctx.http('GET', `/items/${id}`)).body.source).toBe('db'); // fills the cache
    for (const id of ids) expect((await ctx.http('GET', `/items/${id}`)).body.source).toBe('cache');

    const victim = await ctx.createItem('victim', { color: 'blue' });
    await ctx.http('GET', `/items/${victim.id}`);
    const entry = JSON.parse((await ctx.redis.get(ctx.cacheKey(victim.id)))!);
    await ctx.redis.set(ctx.cacheKey(victim.id), JSON.stringify({ ...entry, value: { color: 'red' } })); // same version, other content

    const start = await passes();
    const [record] = await waitFor(async () => {
      const rows = await ctx.records(victim.id);
      return rows.length > 0 && rows[0].status !== 'resolved' ? rows : null;
    }, 30_000);
    expect(record).toMatchObject({ kind: 'corrupt', detected_by: 'sweep' });
    await waitFor(async () => (await passes()) >= start + 3, 30_000);

    for (const id of ids) expect(await ctx.records(id)).toEqual([]);
    expect((await ctx.counter('polaris_comparison_failures_total', 'trigger')).sweep ?? 0).toBe(0);
    expect((await ctx.workers[0].inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
