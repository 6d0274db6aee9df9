import { ChildProcess } from 'node:child_process';
import { spawnApp, TestContext, waitFor } from '@app/testing';

/** The real entry points as separate processes: they boot, serve, and stop cleanly on SIGTERM. */
describe('api and worker processes', () => {
  let ctx: TestContext;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    ctx = await TestContext.create('processes', { LOG_LEVEL: 'info', HOST: '127.0.0.1', SWEEP_ENABLED: 'true', SWEEP_INTERVAL_MS: '300' });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await ctx.close();
  });

  function run(app: 'api' | 'worker', env: Record<string, string> = {}) {
    const proc = spawnApp(app, env);
    children.push(proc.child);
    return proc;
  }

  it('refuses to start with a bad configuration, one line per bad variable', async () => {
    const api = run('api', { PORT: 'eighty', GRACE_PERIOD_MS: '-1' });
    const [code] = await api.exited;
    expect(code).toBe(1);
    expect(api.output()).toContain('PORT="eighty": PORT must be an integer number');
    expect(api.output()).toContain('GRACE_PERIOD_MS="-1": GRACE_PERIOD_MS must not be less than 0');
  });

  it('serves over HTTP, sweeps, and shuts both down gracefully on SIGTERM', async () => {
    const port = String(20000 + (process.pid % 20000));
    const api = run('api', { PORT: port });
    const workerPort = String(Number(port) + 1);
    const worker = run('worker', { WORKER_HTTP_PORT: workerPort });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health`)).status === 200, 60_000, 250);

    const created: any = await (
      await fetch(`${base}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'p', value: [1, 2] }),
      })
    ).json();
    expect(((await (await fetch(`${base}/items/${created.id}`)).json()) as any).source).toBe('db');
    // A request id is taken from X-Request-Id (or generated), echoed, and logged with the request's lines.
    const traced = await fetch(`${base}/items/not-a-uuid`, { headers: { 'x-request-id': 'trace-me-123' } });
    expect(traced.status).toBe(400);
    expect(traced.headers.get('x-request-id')).toBe('trace-me-123');
    expect((await fetch(`${base}/health/live`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    await waitFor(async () => (await ctx.pg.query(`SELECT passes FROM sweeper_state`)).rows[0]?.passes >= 1, 30_000);

    // The worker's internal listener: readiness covers PostgreSQL, Redis, the relay and the sweeper.
    const workerBase = `http://127.0.0.1:${workerPort}`;
    const ready = await waitFor(async () => {
      const res = await fetch(`${workerBase}/health`);
      return res.status === 200 ? ((await res.json()) as any) : null;
    }, 30_000);
    expect(Object.keys(ready.info).sort()).toEqual(['postgres', 'redis', 'relay', 'sweeper']);
    expect((await fetch(`${workerBase}/health/live`)).status).toBe(200);
    const workerMetrics = await (await fetch(`${workerBase}/metrics`)).text();
    expect(workerMetrics).toContain('polaris_sweep_passes_total');
    expect(workerMetrics).toMatch(/polaris_queue_jobs\{queue="checks",state="waiting"\} \d+/);
    expect(workerMetrics).toContain('polaris_relay_backlog ');
    const apiMetrics = await (await fetch(`${base}/metrics`)).text();
    expect(apiMetrics).toMatch(/polaris_http_request_duration_seconds_count\{method="GET",route="\/items\/:id",status_code="200"\} \d+/);

    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    const [[apiCode], [workerCode]] = await Promise.all([api.exited, worker.exited]);
    expect(apiCode).toBe(0);
    expect(workerCode).toBe(0);
    expect(api.output()).toContain('"event":"shutdown.completed"');
    expect(worker.output()).toContain('"event":"shutdown.completed"');
    // every log line is JSON (pino), and a successful request is not logged
    const lines = api.output().trim().split('\n');
    expect(lines.every((l) => l.startsWith('{'))).toBe(true);
    expect(api.output()).not.toContain(`"url":"/items/${created.id}"`);
    expect(lines.find((l) => l.includes('"url":"/items/not-a-uuid"'))).toContain('"reqId":"trace-me-123"');
  });
});
