import { TestContext } from '@app/testing';

const TOKEN = 'hardening-admin-token-0123456789';

/** Security headers, the admin-guarded queue board, CORS and rate limiting, as configured at boot. */
describe('hardened HTTP', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('hardening');
  });

  afterAll(() => ctx.close());

  async function restartApi(vars: Record<string, string>): Promise<void> {
    await ctx.api?.close();
    ctx.configure({ ADMIN_TOKEN: '', CORS_ORIGINS: '', RATE_LIMIT_PER_MINUTE: '0', TRUST_PROXY: '', NODE_ENV: 'test', ...vars });
    await ctx.startApi();
  }

  const inject = (method: 'GET' | 'OPTIONS', url: string, headers: Record<string, string> = {}) =>
    ctx.api!.inject({ method, url, headers });

  describe('security headers', () => {
    beforeAll(() => restartApi({}));

    it('are set on the api routes', async () => {
      const { id } = await ctx.createItem();
      for (const url of [`/items/${id}`, '/items/not-a-uuid', '/health/live', '/metrics']) {
        const res = await inject('GET', url);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toContain("default-src 'self'");
        expect(res.headers['strict-transport-security']).toBeDefined();
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      }
    });

    it('leave the Swagger UI alone, so its inline scripts still run', async () => {
      for (const url of ['/docs', '/docs/']) {
        const res = await inject('GET', url);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-security-policy']).toBeUndefined();
      }
    });

    it('are set on everything else, the OpenAPI document and look-alikes of the UI paths included', async () => {
      for (const url of ['/docs-json', '/docsXYZ', '/docs-jsonx', '/queuesXYZ', '/nowhere']) {
        const res = await inject('GET', url);
        expect({ url, csp: res.headers['content-security-policy'] }).toEqual({ url, csp: expect.stringContaining("default-src 'self'") });
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
    });
  });

  describe('queue board at /queues', () => {
    it('needs the admin token when ADMIN_TOKEN is set, and shows the checks and confirmations queues', async () => {
      await restartApi({ ADMIN_TOKEN: TOKEN });
      for (const url of ['/queues', '/queues/api/queues']) {
        const denied = await inject('GET', url);
        expect(denied.statusCode).toBe(401);
        expect(denied.json().message).toMatch(/admin token/i);
        expect((await inject('GET', url, { authorization: `Bearer ${TOKEN}x` })).statusCode).toBe(401);
      }
      const ui = await inject('GET', '/queues', { authorization: `Bearer ${TOKEN}` });
      expect(ui.statusCode).toBe(200);
      expect(ui.headers['content-type']).toContain('text/html');
      const api = await inject('GET', '/queues/api/queues', { authorization: `Bearer ${TOKEN}` });
      expect(api.statusCode).toBe(200);
      expect(
        api
          .json()
          .queues.map((q: { name: string }) => q.name)
          .sort(),
      ).toEqual(['checks', 'confirmations']);
    });

    it('is closed (403) under NODE_ENV=production without ADMIN_TOKEN', async () => {
      await restartApi({ NODE_ENV: 'production' });
      expect((await inject('GET', '/queues')).statusCode).toBe(403);
      expect((await inject('GET', '/queues/api/queues', { authorization: `Bearer ${TOKEN}` })).statusCode).toBe(403);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      inject('OPTIONS', '/items', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });

    it('is off by default: no allow-origin header for anyone', async () => {
      await restartApi({});
      const res = await inject('GET', '/health/live', { origin: 'https://ops.example.com' });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('allows exactly the configured origins', async () => {
      await restartApi({ CORS_ORIGINS: 'https://ops.example.com, https://admin.example.com' });
      const allowed = await preflight('https://admin.example.com');
      expect(allowed.statusCode).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.com');
      expect(String(allowed.headers['access-control-allow-methods'])).toContain('POST');

      const simple = await inject('GET', '/health/live', { origin: 'https://ops.example.com' });
      expect(simple.headers['access-control-allow-origin']).toBe('https://ops.example.com');
      expect(String(simple.headers['access-control-expose-headers'])).toContain('x-request-id');

      expect((await preflight('https://evil.example.com')).headers['access-control-allow-origin']).toBeUndefined();
    });

    it('allows any origin with *', async () => {
      await restartApi({ CORS_ORIGINS: '*' });
      const res = await preflight('https://anyone.example.org');
      expect(res.headers['access-control-allow-origin']).toBe('https://anyone.example.org');
    });
  });

  describe('rate limiting', () => {
    it('is off by default', async () => {
      await restartApi({});
      const { id } = await ctx.createItem();
      for (let i = 0; i < 30; i++) expect((await inject('GET', `/items/${id}`)).statusCode).toBe(200);
    });

    it('answers 429 past RATE_LIMIT_PER_MINUTE per client and route, but never limits /health or /metrics', async () => {
      await restartApi({ RATE_LIMIT_PER_MINUTE: '5' });
      const { id } = await ctx.createItem(); // counted against POST /items, not against the reads
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await inject('GET', `/items/${id}`)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await inject('GET', `/items/${id}`);
      expect(limited.json()).toMatchObject({ statusCode: 429 });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

      for (let i = 0; i < 20; i++) {
        for (const url of ['/health', '/health/live', '/metrics', '/metrics/summary']) {
          expect((await inject('GET', url)).statusCode).toBe(200);
        }
      }
    });

    it('tells clients behind a trusted proxy apart by X-Forwarded-For, and only then', async () => {
      const reads = async (forwardedFor: string, id: string) => {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await inject('GET', `/items/${id}`, { 'x-forwarded-for': forwardedFor })).statusCode);
        return statuses;
      };
      await restartApi({ RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '127.0.0.1' });
      let { id } = await ctx.createItem();
      expect(await reads('203.0.113.1', id)).toEqual([200, 200, 200]);
      expect(await reads('203.0.113.2', id)).toEqual([200, 200, 200]);

      await restartApi({ RATE_LIMIT_PER_MINUTE: '3' }); // untrusted: the header is ignored, one shared budget
      ({ id } = await ctx.createItem());
      expect(await reads('203.0.113.1', id)).toEqual([200, 200, 200]);
      expect(await reads('203.0.113.2', id)).toEqual([429, 429, 429]);
    });
  });
});
