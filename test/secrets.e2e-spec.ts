import { ChildProcess } from 'node:child_process';
import { AppProcess, spawnApp, TestContext, waitFor } from '@app/testing';

// Distinctive values, so any occurrence in a log is certainly a leak. PostgreSQL trusts local
// connections here and Redis has no password, so both servers accept (and ignore) the passwords.
const ADMIN_TOKEN = 'Adm1n+Tok/en=Secret==42-7f3a9c1e';
const DB_PASSWORD = 'db-secret-4c8e2a6f';
const REDIS_PASSWORD = 'redis-secret-9b1d3f5a';
const SECRETS = [ADMIN_TOKEN, DB_PASSWORD, REDIS_PASSWORD];
/** Every spelling of a secret a client can send: as is, URL-encoded (either hex case, `+` for space), base64 and base64url. */
const spellingsOf = (secret: string) => [
  secret,
  encodeURIComponent(secret),
  encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  Buffer.from(secret).toString('base64'),
  Buffer.from(secret).toString('base64url'),
];
const SPELLINGS = SECRETS.flatMap(spellingsOf);

/**
 * Runs both real processes at the most verbose log level through a whole session (writes, reads,
 * an inconsistency's lifecycle, rejected and admin requests, a Redis password, shutdown), then
 * greps everything they printed for the admin token and the passwords.
 */
describe('secrets in logs', () => {
  let ctx: TestContext;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    ctx = await TestContext.create('secrets', { HOST: '127.0.0.1' });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await ctx.close();
  });

  function run(app: 'api' | 'worker', env: Record<string, string>): AppProcess {
    const proc = spawnApp(app, env);
    children.push(proc.child);
    return proc;
  }

  it('never prints the admin token or a password, whatever happens', async () => {
    const port = String(30000 + (process.pid % 20000));
    const workerPort = String(Number(port) + 1);
    const env = {
      LOG_LEVEL: 'trace',
      LOG_REQUEST_CONTEXT: 'true',
      ADMIN_TOKEN,
      FAILURE_MODE: 'skip',
      FAILURE_RATE: '0.5',
      SWEEP_ENABLED: 'true',
      POSTGRES_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:5432/${ctx.database}`,
      REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:6379`,
    };
    const api = run('api', { ...env, PORT: port });
    const worker = run('worker', { ...env, WORKER_HTTP_PORT: workerPort });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 60_000, 250);

    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return {
        status: res.status,
        body: res.headers.get('content-type')?.includes('json') ? ((await res.json()) as any) : await res.text(),
      };
    };
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await call('POST', '/items', { name: `s${i}`, value: { i } })).body.id);
    for (const id of ids) {
      await call('GET', `/items/${id}`);
      await call('PUT', `/items/${id}`, { value: { i: 'changed' } }); // half of these skip the cache write
    }
    const [record] = await waitFor(async () => {
      const rows = await ctx.records(); // confirmed by the worker
      return rows.length > 0 ? rows : null;
    }, 30_000);
    // The refresh resolves the record: with LOG_REQUEST_CONTEXT, that line carries the request's id.
    expect(
      (await call('POST', `/items/debug/refresh/${record.item_id}`, undefined, { ...admin, 'x-request-id': 'refresh-1' })).status,
    ).toBe(200);
    expect((await call('GET', '/queues/api/queues', undefined, admin)).status).toBe(200);
    // Rejections are logged; make them carry the secret in every place a client can put it.
    expect((await call('POST', `/items/debug/check/${ids[1]}`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}-wrong` })).status).toBe(
      401,
    );
    expect((await call('POST', '/items/debug/check/not-a-uuid', undefined, admin)).status).toBe(400);
    expect((await call('GET', `/items/${encodeURIComponent(ADMIN_TOKEN)}`, undefined, { cookie: `token=${ADMIN_TOKEN}` })).status).toBe(
      400,
    );
    expect((await call('POST', '/items', { name: DB_PASSWORD, value: null, password: REDIS_PASSWORD })).status).toBe(400);
    expect((await call('PUT', `/items/${ids[2]}`, { value: 1, expectedVersion: 99 }, admin)).status).toBe(409);
    // ...and in a query string, in every encoding, on admin and other routes alike.
    for (const spelling of SPELLINGS) {
      const q = `token=${spelling.includes('%') ? spelling : encodeURIComponent(spelling)}`;
      expect((await call('GET', `/items?limit=0x10&${q}`)).status).toBe(400);
      expect((await call('POST', `/items/debug/check/not-a-uuid?${q}`, undefined, admin)).status).toBe(400);
      expect(
        (
          await call('GET', `/queues/api/queues?${q}`, undefined, {
            authorization: `Basic ${Buffer.from(`ops:${spelling}`).toString('base64')}`,
          })
        ).status,
      ).toBe(401);
    }
    await call('DELETE', `/items/${ids[3]}`);
    expect((await fetch(`http://127.0.0.1:${workerPort}/metrics`)).status).toBe(200);

    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    await Promise.all([api.exited, worker.exited]);

    const logs = api.output() + worker.output();
    expect(logs).toContain('"event":"inconsistency.confirmed"'); // the run did log, verbosely
    expect(logs).toContain('"statusCode":401');
    const resolved = logs.split('\n').find((l) => l.includes('"event":"inconsistency.resolved"') && l.includes(record.id));
    expect(resolved).toContain('"reqId":"refresh-1"');
    expect(logs).toContain('"url":"/items/debug/check/not-a-uuid"'); // an admin route's query string is not logged at all
    const leaks = logs.split('\n').filter((line) => SPELLINGS.some((spelling) => line.includes(spelling)));
    expect(leaks).toEqual([]);
  });

  it('never prints them when refusing a bad configuration either', async () => {
    const api = run('api', {
      ADMIN_TOKEN: 'tiny-secret', // too short: rejected, and must not be echoed
      POSTGRES_URL: `mysql://postgres:${DB_PASSWORD}@127.0.0.1/x`,
      REDIS_URL: `http://:${REDIS_PASSWORD}@127.0.0.1:6379`,
    });
    const [code] = await api.exited;
    expect(code).toBe(1);
    expect(api.output()).toContain('ADMIN_TOKEN=[redacted');
    expect(api.output()).toContain('POSTGRES_URL="mysql://[redacted]@127.0.0.1/x"');
    for (const secret of [...SECRETS, 'tiny-secret']) expect(api.output()).not.toContain(secret);
  });
});
