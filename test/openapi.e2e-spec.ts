import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { HttpResult, TestContext, waitFor } from '@app/testing';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Schema = Record<string, any>;

/** OpenAPI 3.0 `nullable` is not JSON Schema: turn it into a union with null, everywhere. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const { nullable, example, ...rest } = schema as Schema;
  void example;
  const out: Schema = Object.fromEntries(
    Object.entries(rest).map(([k, v]) => [k, k === 'properties' ? mapValues(v, toJsonSchema) : toJsonSchema(v)]),
  );
  if (!nullable) return out;
  return out.type
    ? { ...out, type: [out.type, 'null'].flat(), ...(out.enum && { enum: [...out.enum, null] }) }
    : { anyOf: [out, { type: 'null' }] };
}
const mapValues = (o: Schema, f: (v: unknown) => unknown) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/**
 * The OpenAPI document is valid, and it is true: for every documented operation, real requests
 * (successes and the errors that can be provoked here) answer with a documented status whose body
 * matches the documented schema. An operation the spec does not exercise fails it.
 */
describe('OpenAPI', () => {
  const TOKEN = 'openapi-admin-token-0123456789';
  let ctx: TestContext;
  let doc: Schema;
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  const validators = new Map<string, ValidateFunction>();
  const exercised = new Set<string>();

  beforeAll(async () => {
    ctx = await TestContext.create('openapi');
    await ctx.startApi();
    await ctx.startWorker();
    const raw = (await ctx.http('GET', '/docs-json')).body;
    doc = (await SwaggerParser.dereference(structuredClone(raw))) as Schema;
  });

  afterAll(() => ctx.close());

  /** Checks one real answer against the document; `template` is the documented path. */
  function conforms(method: Method, template: string, res: HttpResult): void {
    const operation = doc.paths[template]?.[method.toLowerCase()];
    expect({ operation: `${method} ${template}`, documented: Boolean(operation) }).toEqual({
      operation: `${method} ${template}`,
      documented: true,
    });
    const response = operation.responses[String(res.status)];
    const op = { operation: `${method} ${template}`, status: res.status };
    expect({ ...op, documented: Boolean(response) }).toEqual({ ...op, documented: true });
    exercised.add(`${method} ${template}`);
    const content = response.content as Record<string, { schema: Schema }> | undefined;
    if (!content) {
      expect(res.body).toBe(''); // e.g. 204
      return;
    }
    const actualType = String(res.headers['content-type']).split(';')[0];
    const [mediaType, media] = Object.entries(content).find(([type]) => type.split(';')[0] === actualType) ?? [];
    const where = { operation: `${method} ${template} ${res.status}`, contentType: actualType };
    expect({ ...where, documented: Boolean(mediaType) }).toEqual({ ...where, documented: true });
    const key = `${method} ${template} ${res.status} ${mediaType}`;
    if (!validators.has(key)) validators.set(key, ajv.compile(toJsonSchema(media!.schema) as Schema));
    const validate = validators.get(key)!;
    const valid = validate(res.body);
    expect({ operation: key, errors: valid ? null : validate.errors, body: valid ? undefined : res.body }).toEqual({
      operation: key,
      errors: null,
    });
  }

  it('is a valid OpenAPI 3 document, checked by swagger-parser', async () => {
    const raw = (await ctx.http('GET', '/docs-json')).body;
    expect(raw.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(raw))).resolves.toBeDefined();
  });

  it('documents every route and serves the UI at /docs', async () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/health',
        '/health/live',
        '/inconsistencies/{id}',
        '/items',
        '/items/debug/check/{id}',
        '/items/debug/refresh/{id}',
        '/items/inconsistencies/active',
        '/items/inconsistencies/all',
        '/items/{id}',
        '/metrics',
        '/metrics/summary',
        '/sources',
      ].sort(),
    );
    const ui = await ctx.http('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toContain('swagger');
  });

  it('answers every item route as documented, successes and errors', async () => {
    const unknown = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
    const created = await ctx.http('POST', '/items', { name: 'doc', value: { nested: [1, 'two', null, { three: 3 }] } });
    conforms('POST', '/items', created);
    expect(created.status).toBe(201);
    const id = created.body.id;
    conforms('POST', '/items', await ctx.http('POST', '/items', { name: '', value: null }));

    conforms('GET', '/items', await ctx.http('GET', '/items?limit=2'));
    conforms('GET', '/items', await ctx.http('GET', '/items?limit=0'));

    const miss = await ctx.http('GET', `/items/${id}`);
    const hit = await ctx.http('GET', `/items/${id}`);
    expect([miss.body.source, hit.body.source]).toEqual(['db', 'cache']);
    for (const res of [miss, hit, await ctx.http('GET', '/items/not-a-uuid'), await ctx.http('GET', `/items/${unknown}`)])
      conforms('GET', '/items/{id}', res);

    for (const res of [
      await ctx.http('PUT', `/items/${id}`, { value: 'new', expectedVersion: 1 }),
      await ctx.http('PUT', `/items/${id}`, { value: 'newer', expectedVersion: 1 }), // 409
      await ctx.http('PUT', `/items/${id}`, { value: 'x', extra: true }), // 400
      await ctx.http('PUT', `/items/${unknown}`, { value: 'x' }), // 404
    ])
      conforms('PUT', '/items/{id}', res);

    const big = await ctx.api!.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'big', value: 'x'.repeat(1_100_000) }),
    });
    const text = await ctx.api!.inject({ method: 'POST', url: '/items', headers: { 'content-type': 'text/plain' }, payload: 'name=x' });
    for (const res of [big, text]) {
      conforms('POST', '/items', { status: res.statusCode, body: res.json(), headers: res.headers });
    }
    expect([big.statusCode, text.statusCode]).toEqual([413, 415]);

    const doomed = (await ctx.createItem()).id;
    for (const res of [
      await ctx.http('DELETE', `/items/${doomed}`),
      await ctx.http('DELETE', `/items/${doomed}`),
      await ctx.http('DELETE', '/items/nope'),
    ])
      conforms('DELETE', '/items/{id}', res);
  });

  it('answers the inconsistency, debug, metrics and health routes as documented', async () => {
    // A real record, with a timeline: a corrupt entry found by a manual check and confirmed.
    const { id } = await ctx.createItem('corrupt', { a: 1 });
    await ctx.http('GET', `/items/${id}`);
    const entry = JSON.parse((await ctx.redis.get(ctx.cacheKey(id)))!);
    await ctx.redis.set(ctx.cacheKey(id), JSON.stringify({ ...entry, value: { a: 2 } }));
    conforms('POST', '/items/debug/check/{id}', await ctx.http('POST', `/items/debug/check/${id}`));
    const [record] = await waitFor(async () => {
      const rows = await ctx.records(id);
      return rows.length ? rows : null;
    });

    for (const path of ['/items/inconsistencies/all', '/items/inconsistencies/active']) {
      const list = await ctx.http('GET', `${path}?limit=5`);
      expect(list.body.length).toBeGreaterThan(0);
      conforms('GET', path, list);
      conforms('GET', path, await ctx.http('GET', `${path}?limit=abc`));
      conforms('GET', path, await ctx.http('GET', `${path}?source=items`));
      conforms('GET', path, await ctx.http('GET', `${path}?source=nope`)); // 400: no such source
    }
    conforms('GET', '/sources', await ctx.http('GET', '/sources'));
    const detail = await ctx.http('GET', `/inconsistencies/${record.id}`);
    expect(detail.body.timeline.length).toBeGreaterThan(0);
    conforms('GET', '/inconsistencies/{id}', detail);
    conforms('GET', '/inconsistencies/{id}', await ctx.http('GET', '/inconsistencies/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f'));
    conforms('GET', '/inconsistencies/{id}', await ctx.http('GET', '/inconsistencies/x'));

    conforms('POST', '/items/debug/refresh/{id}', await ctx.http('POST', `/items/debug/refresh/${id}`));
    conforms('POST', '/items/debug/refresh/{id}', await ctx.http('POST', '/items/debug/refresh/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f'));
    conforms('POST', '/items/debug/refresh/{id}', await ctx.http('POST', '/items/debug/refresh/x'));
    conforms('POST', '/items/debug/check/{id}', await ctx.http('POST', '/items/debug/check/x'));

    const metrics = await ctx.http('GET', '/metrics');
    expect(metrics.body).toContain('polaris_cache_requests_total');
    conforms('GET', '/metrics', metrics);
    conforms('GET', '/metrics/summary', await ctx.http('GET', '/metrics/summary'));
    conforms('GET', '/health', await ctx.http('GET', '/health'));
    conforms('GET', '/health/live', await ctx.http('GET', '/health/live'));
  });

  it('answers the admin and rate-limit refusals as documented', async () => {
    await ctx.api!.close();
    ctx.configure({ ADMIN_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '2' });
    await ctx.startApi();
    const { id } = await ctx.createItem();
    conforms('POST', '/items/debug/check/{id}', await ctx.http('POST', `/items/debug/check/${id}`)); // 401
    conforms('POST', '/items/debug/refresh/{id}', await ctx.http('POST', `/items/debug/refresh/${id}`)); // 401
    const reads = [];
    for (let i = 0; i < 3; i++) reads.push(await ctx.http('GET', `/items/${id}`));
    expect(reads.map((r) => r.status)).toEqual([200, 200, 429]);
    reads.forEach((r) => conforms('GET', '/items/{id}', r));

    await ctx.api!.close();
    ctx.configure({ ADMIN_TOKEN: '', RATE_LIMIT_PER_MINUTE: '0', NODE_ENV: 'production' });
    await ctx.startApi();
    conforms('POST', '/items/debug/refresh/{id}', await ctx.http('POST', `/items/debug/refresh/${id}`)); // 403
    conforms('POST', '/items/debug/check/{id}', await ctx.http('POST', `/items/debug/check/${id}`)); // 403
  });

  it('has exercised every documented operation', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as Schema).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect([...exercised].sort()).toEqual(documented.sort());
  });
});
