import { TestContext } from '@app/testing';

/**
 * Every bad input gets a clear JSON 4xx (never a 500) and writes nothing: no row, no captured change,
 * no inconsistency record, no cache entry. Real PostgreSQL and Redis, one isolated database and prefix.
 */
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const BODY_LIMIT = 2048;
const TOKEN = 'bad-input-admin-token-0123456789';

interface Snapshot {
  items: string;
  changes: number;
  records: number;
  cache: Record<string, string | null>;
}

describe('bad input', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('bad_input', { BODY_LIMIT_BYTES: String(BODY_LIMIT), ADMIN_TOKEN: '', LOG_LEVEL: 'error' });
    await ctx.startApi();
  });

  afterAll(() => ctx.close());

  async function cacheKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await ctx.redis.scan(cursor, 'MATCH', `${ctx.cachePrefix}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found.sort();
  }

  /** Everything a request could have written. */
  async function snapshot(): Promise<Snapshot> {
    const one = async (sql: string) => (await ctx.pg.query(sql)).rows[0].v;
    const keys = await cacheKeys();
    const values = keys.length ? await ctx.redis.mget(...keys) : [];
    return {
      items: await one(
        `SELECT coalesce(string_agg(id || ':' || version || ':' || name || ':' || value::text, ',' ORDER BY id), '') AS v FROM items`,
      ),
      changes: await one(`SELECT count(*)::int AS v FROM item_changes`),
      records: await one(`SELECT count(*)::int AS v FROM inconsistencies`),
      cache: Object.fromEntries(keys.map((k, i) => [k, values[i]])),
    };
  }

  /** Sends a request and asserts it is rejected with `status` and that it wrote nothing. */
  async function rejects(status: number, send: () => Promise<{ status: number; body: any; headers: Record<string, unknown> }>) {
    const before = await snapshot();
    const res = await send();
    expectClear4xx(res, status);
    expect(await snapshot()).toEqual(before);
    return res;
  }

  function expectClear4xx(res: { status: number; body: any; headers: Record<string, unknown> }, status: number): void {
    expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { statusCode: status } });
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
    expect(typeof res.body.error).toBe('string');
    const message = res.body.message;
    expect(typeof message === 'string' ? message.length : Array.isArray(message) ? message.length : 0).toBeGreaterThan(0);
  }

  async function rawPost(url: string, payload: string | undefined, contentType?: string) {
    const res = await ctx.api!.inject({
      method: 'POST',
      url,
      headers: contentType ? { 'content-type': contentType } : {},
      payload,
    });
    return {
      status: res.statusCode,
      body: String(res.headers['content-type']).includes('json') ? res.json() : res.body,
      headers: res.headers,
    };
  }

  async function row(id: string): Promise<{ version: number; name: string; value: unknown } | undefined> {
    return (await ctx.pg.query(`SELECT version, name, value FROM items WHERE id = $1`, [id])).rows[0];
  }

  describe('POST /items', () => {
    it.each([
      ['malformed JSON', '{"name": "x", "value": '],
      ['JSON followed by garbage', '{"name": "x", "value": 1} trailing'],
      ['an empty body', ''],
      ['a JSON array', '[{"name": "x", "value": 1}]'],
      ['a JSON string', '"widget"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['a __proto__ key', '{"name": "x", "value": 1, "__proto__": {"polluted": true}}'],
      ['a constructor.prototype key', '{"name": "x", "value": {"constructor": {"prototype": {"polluted": true}}}}'],
      ['a number beyond a double (1e400)', '{"name": "x", "value": 1e400}'],
      ['a nested number beyond a double', '{"name": "x", "value": {"a": [1, -1e400]}}'],
      ['an unpaired surrogate in the name', '{"name": "x\\ud800", "value": 1}'],
      ['an unpaired surrogate in the value', '{"name": "x", "value": ["\\udc00"]}'],
      ['nesting deeper than 128 levels', `{"name": "x", "value": ${'['.repeat(200)}${']'.repeat(200)}}`],
    ])('rejects %s with 400 and writes nothing', async (_, body) => {
      await rejects(400, () => rawPost('/items', body, 'application/json'));
    });

    it.each([
      ['no name', { value: 1 }],
      ['an empty name', { name: '', value: 1 }],
      ['a 201-character name', { name: 'x'.repeat(201), value: 1 }],
      ['a numeric name', { name: 42, value: 1 }],
      ['an array name', { name: ['x'], value: 1 }],
      ['an object name', { name: { first: 'x' }, value: 1 }],
      ['a boolean name', { name: true, value: 1 }],
      ['a null name', { name: null, value: 1 }],
      ['a NUL character in the name', { name: 'a\u0000b', value: 1 }],
      ['no value', { name: 'x' }],
      ['a null value', { name: 'x', value: null }],
      ['a NUL character in a value string', { name: 'x', value: { s: 'a\u0000b' } }],
      ['a NUL character in a value key', { name: 'x', value: { 'k\u0000': 1 } }],
      ['an unknown field', { name: 'x', value: 1, color: 'blue' }],
      ['a client-chosen id', { id: UNKNOWN, name: 'x', value: 1 }],
      ['a client-chosen version', { name: 'x', value: 1, version: 7 }],
    ])('rejects %s with 400 and writes nothing', async (_, payload) => {
      const res = await rejects(400, () => ctx.http('POST', '/items', payload));
      expect(JSON.stringify(res.body.message)).toMatch(/name|value|property/);
    });

    it('rejects an unknown field by name', async () => {
      const res = await rejects(400, () => ctx.http('POST', '/items', { name: 'x', value: 1, color: 'blue' }));
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringContaining('color')]));
    });

    it('rejects a request without any body or content type with 400', async () => {
      await rejects(400, () => rawPost('/items', undefined));
    });

    it.each([
      ['text/plain', '{"name": "x", "value": 1}'],
      ['text/plain; charset=utf-8', '{"name": "x", "value": 1}'],
      ['application/x-www-form-urlencoded', 'name=x&value=1'],
      ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n'],
      ['application/xml', '<item><name>x</name></item>'],
    ])('rejects content type %s with 415 and writes nothing', async (type, body) => {
      await rejects(415, () => rawPost('/items', body, type));
    });

    it('rejects a body over BODY_LIMIT_BYTES with 413 and writes nothing', async () => {
      const res = await rejects(413, () => ctx.http('POST', '/items', { name: 'big', value: 'x'.repeat(BODY_LIMIT + 100) }));
      expect(res.body.message).toMatch(/too large/i);
      await rejects(413, () => rawPost('/items', 'x'.repeat(BODY_LIMIT * 4), 'application/json'));
    });

    it('accepts a body just under BODY_LIMIT_BYTES and a 200-character name (the limits are where they say)', async () => {
      const near = { name: 'n'.repeat(200), value: 'x'.repeat(BODY_LIMIT - 300) };
      expect(Buffer.byteLength(JSON.stringify(near))).toBeLessThan(BODY_LIMIT);
      const res = await ctx.http('POST', '/items', near);
      expect(res.status).toBe(201);
      expect(await row(res.body.id)).toMatchObject({ name: near.name, value: near.value, version: 1 });
    });

    it.each([
      ['an object', { color: 'blue', size: 3, tags: ['a', 'b'], nested: { ok: true, none: null } }],
      ['an empty object', {}],
      ['an array', [1, 'two', false, null, { three: 3 }]],
      ['an empty array', []],
      ['a string', 'text'],
      ['an empty string', ''],
      ['unicode text', 'żółć 😀 ✓'],
      ['zero', 0],
      ['a negative fraction', -12.5],
      ['a large integer', 9007199254740991],
      ['true', true],
      ['false', false],
      ['127 levels of nesting', JSON.parse(`${'['.repeat(127)}${']'.repeat(127)}`)],
    ])('accepts %s as a value: 201, stored as given, round-trips through PostgreSQL and the cache', async (_, value) => {
      const created = await ctx.http('POST', '/items', { name: 'any', value });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'any', version: 1 });
      expect(created.body.value).toEqual(value);
      const id = created.body.id;
      expect((await row(id))!.value).toEqual(value);

      const fromDb = await ctx.http('GET', `/items/${id}`);
      expect(fromDb.status).toBe(200);
      expect(fromDb.body.source).toBe('db');
      expect(fromDb.body.data.value).toEqual(value);
      const fromCache = await ctx.http('GET', `/items/${id}`);
      expect(fromCache.body.source).toBe('cache');
      expect(fromCache.body.data.value).toEqual(value);
    });

    it('accepts application/json with a charset', async () => {
      const res = await rawPost('/items', JSON.stringify({ name: 'cs', value: 1 }), 'application/json; charset=utf-8');
      expect(res.status).toBe(201);
    });
  });

  describe('ids and versions', () => {
    it.each(['not-a-uuid', '123', `${UNKNOWN}x`, `${UNKNOWN.slice(0, -1)}`, '%20'])(
      'GET, PUT and DELETE /items/%s are 400',
      async (bad) => {
        await rejects(400, () => ctx.http('GET', `/items/${bad}`));
        await rejects(400, () => ctx.http('PUT', `/items/${bad}`, { value: 1 }));
        await rejects(400, () => ctx.http('DELETE', `/items/${bad}`));
      },
    );

    it('GET, PUT and DELETE of an unknown id are 404 ITEM_NOT_FOUND, and PUT creates nothing', async () => {
      for (const [method, payload] of [['GET'], ['PUT', { value: 1 }], ['DELETE']] as const) {
        const res = await rejects(404, () => ctx.http(method, `/items/${UNKNOWN}`, payload));
        expect(res.body).toMatchObject({ code: 'ITEM_NOT_FOUND', id: UNKNOWN });
      }
      expect(await row(UNKNOWN)).toBeUndefined();
      expect(await ctx.redis.exists(ctx.cacheKey(UNKNOWN))).toBe(0);
    });

    it('PUT with a stale expectedVersion is 409 ITEM_VERSION_CONFLICT and changes neither the row nor the cache', async () => {
      const { id } = await ctx.createItem('occ', { v: 1 });
      const ok = await ctx.http('PUT', `/items/${id}`, { value: { v: 2 }, expectedVersion: 1 });
      expect(ok.status).toBe(200);
      expect(ok.body.data).toMatchObject({ version: 2, value: { v: 2 } });
      await ctx.http('GET', `/items/${id}`); // cached at version 2

      for (const expectedVersion of [1, 3, 2_147_483_647]) {
        const conflict = await rejects(409, () => ctx.http('PUT', `/items/${id}`, { value: { v: 'lost' }, expectedVersion }));
        expect(conflict.body).toMatchObject({ code: 'ITEM_VERSION_CONFLICT', id, expectedVersion, currentVersion: 2 });
      }
      expect(await row(id)).toMatchObject({ version: 2, value: { v: 2 } });
      expect(JSON.parse((await ctx.redis.get(ctx.cacheKey(id)))!)).toMatchObject({ version: 2, value: { v: 2 } });
    });

    it.each([
      ['an unknown field', { value: 1, color: 'blue' }],
      ['a client-chosen version', { value: 1, version: 9 }],
      ['a client-chosen id', { value: 1, id: UNKNOWN }],
      ['expectedVersion 0', { value: 1, expectedVersion: 0 }],
      ['expectedVersion -1', { value: 1, expectedVersion: -1 }],
      ['expectedVersion "x"', { value: 1, expectedVersion: 'x' }],
      ['expectedVersion "1" (a string)', { value: 1, expectedVersion: '1' }],
      ['expectedVersion 1.5', { value: 1, expectedVersion: 1.5 }],
      ['expectedVersion beyond a PostgreSQL integer', { value: 1, expectedVersion: 2_147_483_648 }],
      ['no value', { name: 'y' }],
      ['a null value', { value: null }],
      ['an empty name', { value: 1, name: '' }],
      ['a 201-character name', { value: 1, name: 'x'.repeat(201) }],
      ['a numeric name', { value: 1, name: 7 }],
      ['a NUL character in the name', { value: 1, name: '\u0000' }],
      ['a NUL character in the value', { value: ['\u0000'] }],
      ['a JSON array body', [{ value: 1 }]],
      ['a JSON string body', JSON.stringify('text')],
      ['a JSON null body', 'null'],
      ['malformed JSON', '{"value": '],
      ['an empty body', ''],
    ])('PUT with %s is 400 and changes neither the row nor the cache', async (_, payload) => {
      const { id } = await ctx.createItem('put', { v: 1 });
      await ctx.http('GET', `/items/${id}`); // cached at version 1
      const cached = await ctx.redis.get(ctx.cacheKey(id));
      expect(cached).not.toBeNull();
      await rejects(400, () => ctx.http('PUT', `/items/${id}`, payload));
      expect(await row(id)).toMatchObject({ version: 1, name: 'put', value: { v: 1 } });
      expect(await ctx.redis.get(ctx.cacheKey(id))).toBe(cached);
    });

    it('PUT with a text/plain body is 415 and changes nothing', async () => {
      const { id } = await ctx.createItem('put-text', 1);
      await rejects(415, async () => {
        const res = await ctx.api!.inject({
          method: 'PUT',
          url: `/items/${id}`,
          headers: { 'content-type': 'text/plain' },
          payload: '{"value":2}',
        });
        return { status: res.statusCode, body: res.json(), headers: res.headers };
      });
      expect(await row(id)).toMatchObject({ version: 1 });
    });

    it('treats an uppercase id as the same item everywhere, cache keys included', async () => {
      const { id } = await ctx.createItem('upper', 1);
      await ctx.http('GET', `/items/${id}`);
      expect((await ctx.http('GET', `/items/${id.toUpperCase()}`)).body).toMatchObject({ source: 'cache', data: { id } });
      expect((await ctx.http('POST', `/items/debug/refresh/${id.toUpperCase()}`)).status).toBe(200);
      expect((await ctx.http('DELETE', `/items/${id.toUpperCase()}`)).status).toBe(204);
      expect(await ctx.redis.exists(ctx.cacheKey(id))).toBe(0);
      expect((await ctx.http('GET', `/items/${id}`)).status).toBe(404);
    });

    it('DELETE of an existing item is 204, and a second DELETE is 404', async () => {
      const { id } = await ctx.createItem('del', 1);
      expect((await ctx.http('DELETE', `/items/${id}`)).status).toBe(204);
      expect(await row(id)).toBeUndefined();
      const again = await rejects(404, () => ctx.http('DELETE', `/items/${id}`));
      expect(again.body.code).toBe('ITEM_NOT_FOUND');
    });
  });

  describe('lists', () => {
    it.each([
      '/items?limit=0',
      '/items?limit=-1',
      '/items?limit=501',
      '/items?limit=10000',
      '/items?limit=1.5',
      '/items?limit=abc',
      '/items?limit=',
      '/items?limit=1&limit=2',
      '/items?after=bad',
      '/items?after=123',
      `/items?after=${UNKNOWN}x`,
      '/items/inconsistencies/all?limit=0',
      '/items/inconsistencies/all?limit=1001',
      '/items/inconsistencies/all?limit=100000',
      '/items/inconsistencies/all?limit=abc',
      '/items/inconsistencies/active?limit=0',
      '/items/inconsistencies/active?limit=5000',
      '/inconsistencies/not-a-uuid',
      '/inconsistencies/123',
    ])('GET %s is 400', async (url) => {
      await rejects(400, () => ctx.http('GET', url));
    });

    it.each(['/items?limit=1', '/items?limit=500', '/items/inconsistencies/all?limit=1000', '/items/inconsistencies/active?limit=1'])(
      'GET %s is 200 (the bounds are inclusive)',
      async (url) => {
        expect((await ctx.http('GET', url)).status).toBe(200);
      },
    );

    it('GET /inconsistencies/:id of an unknown id is 404 INCONSISTENCY_NOT_FOUND', async () => {
      const res = await rejects(404, () => ctx.http('GET', `/inconsistencies/${UNKNOWN}`));
      expect(res.body.code).toBe('INCONSISTENCY_NOT_FOUND');
    });

    it('pages through every item by keyset (limit + after = nextCursor), in id order, each exactly once', async () => {
      for (let i = 0; i < 5; i++) await ctx.createItem(`page-${i}`, i);
      const expected = (await ctx.pg.query(`SELECT id FROM items ORDER BY id`)).rows.map((r) => r.id as string);
      expect(expected.length).toBeGreaterThanOrEqual(5);

      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page <= expected.length; page++) {
        const res: { status: number; body: any } = await ctx.http('GET', `/items?limit=2${after ? `&after=${after}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.data.map((i: { id: string }) => i.id));
        after = res.body.nextCursor;
        if (after === null) break;
        expect(after).toBe(res.body.data[res.body.data.length - 1].id);
      }
      expect(after).toBeNull();
      expect(seen).toEqual(expected);

      const last = await ctx.http('GET', `/items?limit=2&after=${expected[expected.length - 1]}`);
      expect(last.body).toEqual({ data: [], nextCursor: null });
      const fromUnknown = await ctx.http('GET', `/items?limit=500&after=${UNKNOWN}`);
      expect(fromUnknown.body.data.map((i: { id: string }) => i.id)).toEqual(expected.filter((id) => id > UNKNOWN));
    });
  });

  describe('debug routes (admin guard)', () => {
    async function restartApi(vars: Record<string, string>): Promise<void> {
      await ctx.api?.close();
      ctx.api = undefined;
      ctx.configure(vars);
      await ctx.startApi();
    }

    const refresh = (id: string, authorization?: string) =>
      ctx.http('POST', `/items/debug/refresh/${id}`, undefined, authorization === undefined ? {} : { authorization });

    afterAll(async () => {
      await restartApi({ NODE_ENV: 'test', ADMIN_TOKEN: '', FAILURE_MODE: 'none' });
    });

    it('are open outside production when no ADMIN_TOKEN is set', async () => {
      const { id } = await ctx.createItem('dbg-open', 1);
      const res = await refresh(id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ data: { id, version: 1 }, resolved: 0 });
      expect(await ctx.redis.exists(ctx.cacheKey(id))).toBe(1);
    });

    it('need the bearer token when ADMIN_TOKEN is set: 401 without or with a wrong one, 200 with it', async () => {
      await restartApi({ ADMIN_TOKEN: TOKEN });
      const { id } = await ctx.createItem('dbg-token', 1);
      for (const authorization of [
        undefined,
        '',
        'Bearer',
        'Bearer ',
        `Bearer ${TOKEN.slice(0, -1)}x`, // same length, last character differs
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, 16)}`,
        TOKEN, // no scheme
        `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
      ]) {
        const res = await rejects(401, () => refresh(id, authorization));
        expect(res.body.message).toMatch(/admin token/i);
      }
      await rejects(401, () => ctx.http('POST', `/items/debug/check/${id}`));
      expect(await ctx.redis.exists(ctx.cacheKey(id))).toBe(0); // the refresh never ran

      const ok = await refresh(id, `Bearer ${TOKEN}`);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ data: { id, version: 1 } });
      expect(await ctx.redis.exists(ctx.cacheKey(id))).toBe(1);
      expect((await refresh(id, `bearer ${TOKEN}`)).status).toBe(200); // the scheme is case-insensitive
    });

    it('are closed (403) under NODE_ENV=production without ADMIN_TOKEN, and open to the token when it is set', async () => {
      await restartApi({ NODE_ENV: 'production', ADMIN_TOKEN: '' });
      const { id } = await ctx.createItem('dbg-prod', 1);
      const res = await rejects(403, () => refresh(id));
      expect(res.body.message).toMatch(/ADMIN_TOKEN/);
      await rejects(403, () => refresh(id, `Bearer ${TOKEN}`));

      await restartApi({ NODE_ENV: 'production', ADMIN_TOKEN: TOKEN });
      await rejects(401, () => refresh(id));
      expect((await refresh(id, `Bearer ${TOKEN}`)).status).toBe(200);
    });

    it('refuse an ADMIN_TOKEN shorter than 16 characters at startup', async () => {
      await ctx.api?.close();
      ctx.api = undefined;
      ctx.configure({ NODE_ENV: 'test', ADMIN_TOKEN: 'too-short' });
      await expect(ctx.startApi()).rejects.toThrow(/ADMIN_TOKEN.*at least 16 characters/);
      expect(ctx.api).toBeUndefined();
    });
  });

  describe('startup configuration', () => {
    it('refuses to start with a FAILURE_MODE under NODE_ENV=production, naming FAILURE_MODE', async () => {
      await ctx.api?.close();
      ctx.api = undefined;
      for (const mode of ['delay', 'skip', 'blip']) {
        ctx.configure({ NODE_ENV: 'production', ADMIN_TOKEN: TOKEN, FAILURE_MODE: mode });
        await expect(ctx.startApi()).rejects.toThrow(new RegExp(`FAILURE_MODE=${mode}.*refused under NODE_ENV=production`));
        expect(ctx.api).toBeUndefined();
      }
      // The refusal is about the failure mode, not production itself.
      ctx.configure({ FAILURE_MODE: 'none' });
      await ctx.startApi();
      expect((await ctx.http('GET', '/health/live')).status).toBe(200);
    });
  });
});
