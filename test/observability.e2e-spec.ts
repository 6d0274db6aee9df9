import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dump, load } from 'js-yaml';
import { AppProcess, freePort, sleep, spawnApp, TestContext, waitFor } from '@app/testing';

const ROOT = join(__dirname, '..');
const DASHBOARD = join(ROOT, 'deploy/grafana/dashboards/polaris.json');
const PROMETHEUS_CONFIG = join(ROOT, 'deploy/prometheus/prometheus.yml');
const ALERT_RULES = join(ROOT, 'deploy/prometheus/alerts.yml');

/** Every PromQL expression of the provisioned dashboard (rows may nest panels), its variables set to "All". */
function dashboardExpressions(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const all = (expr: string) =>
    (dashboard.templating?.list ?? []).reduce((e: string, v: any) => e.replaceAll(`$${v.name}`, v.allValue), expr);
  const out: { panel: string; expr: string }[] = [];
  const visit = (panels: any[] = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title, expr: all(t.expr) });
      visit(p.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}

/**
 * The compose stack's Prometheus config, with its targets moved to this spec's processes, its rule files
 * read from the repository (they sit next to the config, as compose mounts them) and a 1 s scrape and
 * evaluation interval.
 */
function localPrometheusConfig(targets: Record<string, string>): string {
  const config = load(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as any;
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' };
  config.rule_files = (config.rule_files ?? []).map((file: string) => join(dirname(PROMETHEUS_CONFIG), file));
  expect(config.rule_files).toEqual([ALERT_RULES]);
  for (const job of config.scrape_configs) {
    for (const sc of job.static_configs) {
      sc.targets = sc.targets.map((t: string) => {
        if (!targets[t]) throw new Error(`deploy/prometheus/prometheus.yml: unexpected target ${t} in job ${job.job_name}`);
        return targets[t];
      });
    }
  }
  return dump(config);
}

function requireBinary(name: string): void {
  const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `\`${name}\` is required by this spec but is not runnable (${probe.error?.message ?? `exit ${probe.status}`}); ` +
        `install Debian's prometheus package (apt-get install prometheus), as .ci/run does`,
    );
  }
}

/**
 * The provisioned Grafana dashboard against the real thing: a real api and worker with some traffic,
 * scraped by a real Prometheus (Debian's) with the compose stack's scrape config; every panel's query
 * must return data. The /metrics outputs must also pass `promtool check metrics` (lint included).
 */
describe('observability: Prometheus scrapes, the dashboard queries return data', () => {
  let ctx: TestContext;
  let api: AppProcess;
  let worker: AppProcess;
  let prometheus: ChildProcess | undefined;
  let prometheusOutput = '';
  let storage: string;
  let apiBase: string;
  let workerBase: string;
  let promBase: string;
  let reading = true;
  let readLoop: Promise<void> | undefined;

  beforeAll(async () => {
    requireBinary('prometheus');
    requireBinary('promtool');
    ctx = await TestContext.create('observability', { HOST: '127.0.0.1', SWEEP_ENABLED: 'true', SWEEP_INTERVAL_MS: '300' });
    const ports = new Set<number>();
    while (ports.size < 3) ports.add(await freePort());
    const [apiPort, workerPort, promPort] = [...ports];
    apiBase = `http://127.0.0.1:${apiPort}`;
    workerBase = `http://127.0.0.1:${workerPort}`;
    promBase = `http://127.0.0.1:${promPort}`;
    api = spawnApp('api', { PORT: String(apiPort) });
    worker = spawnApp('worker', { WORKER_HTTP_PORT: String(workerPort), WORKER_HTTP_HOST: '127.0.0.1' });
    await waitFor(async () => (await fetch(`${apiBase}/health`)).status === 200, 90_000, 250).catch((err) => {
      throw new Error(`api did not become ready: ${err.message}\n${api.output()}`);
    });
    await waitFor(async () => (await fetch(`${workerBase}/health`)).status === 200, 90_000, 250).catch((err) => {
      throw new Error(`worker did not become ready: ${err.message}\n${worker.output()}`);
    });

    storage = mkdtempSync(join(tmpdir(), 'polaris-prometheus-'));
    const configFile = join(storage, 'prometheus.yml');
    writeFileSync(configFile, localPrometheusConfig({ 'api:3000': `127.0.0.1:${apiPort}`, 'worker:3001': `127.0.0.1:${workerPort}` }));
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(storage, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (d) => (prometheusOutput += d));
    prometheus.stderr!.on('data', (d) => (prometheusOutput += d));
  }, 180_000);

  afterAll(async () => {
    reading = false;
    await readLoop;
    for (const child of [prometheus, api?.child, worker?.child]) {
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(escalate);
    }
    if (storage) rmSync(storage, { recursive: true, force: true });
    await ctx?.close();
  }, 60_000);

  async function json(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${apiBase}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async function query(expr: string): Promise<any> {
    const res = await fetch(`${promBase}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    return res.json();
  }

  it('scrapes the api and the worker', async () => {
    const targets = await waitFor(
      async () => {
        const body: any = await (await fetch(`${promBase}/api/v1/targets`)).json();
        const active: any[] = body.data.activeTargets;
        return active.length === 2 && active.every((t) => t.health === 'up') ? active : null;
      },
      60_000,
      500,
    ).catch(async (err) => {
      const body = await fetch(`${promBase}/api/v1/targets`)
        .then((r) => r.text())
        .catch((e) => String(e));
      throw new Error(`targets not up: ${err.message}\n${body}\n${prometheusOutput}`);
    });
    expect(targets.map((t) => t.labels.job).sort()).toEqual(['polaris-api', 'polaris-worker']);
  }, 90_000);

  it('loads every rule of deploy/prometheus/alerts.yml, each evaluating without error', async () => {
    const groups: { rules: { alert?: string; record?: string }[] }[] = (load(readFileSync(ALERT_RULES, 'utf8')) as any).groups;
    const want = groups.flatMap((g) => g.rules.map((r) => r.alert ?? r.record)).sort();
    expect(want.length).toBeGreaterThanOrEqual(10);
    let last: unknown;
    const rules = await waitFor(
      async () => {
        const body: any = await (await fetch(`${promBase}/api/v1/rules`)).json();
        last = body;
        const loaded: any[] = body.data.groups.flatMap((g: any) => g.rules);
        // A rule's health is "unknown" until its first evaluation.
        return loaded.length === want.length && loaded.every((r) => r.health !== 'unknown') ? loaded : null;
      },
      30_000,
      500,
    ).catch((err) => {
      throw new Error(`rules not loaded and evaluated: ${err.message}\n${JSON.stringify(last)}\n${prometheusOutput}`);
    });
    expect(rules.map((r) => r.name).sort()).toEqual(want);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError}`)).toEqual([]);
  }, 60_000);

  it('has data for every panel of the dashboard after some traffic and an injected inconsistency', async () => {
    // Writes, a miss then a hit per item, and post-write checks (SLI samples).
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { id } = await json('POST', '/items', { name: `obs-${i}`, value: { i } });
      expect((await json('GET', `/items/${id}`)).source).toBe('db');
      expect((await json('GET', `/items/${id}`)).source).toBe('cache');
      ids.push(id);
    }
    await json('PUT', `/items/${ids[0]}`, { value: { i: 0, updated: true } });

    // Reads keep going while Prometheus scrapes, so rates (hit ratio, latency) are over live traffic.
    readLoop = (async () => {
      for (let n = 0; reading; n++) {
        await fetch(`${apiBase}/items/${ids[n % ids.length]}`).catch(() => undefined);
        await sleep(200);
      }
    })();

    // A corrupt entry (same version, other content) nothing announces: the sweeper finds it, the
    // lifecycle confirms it (no healing by default) and re-checks make it persistent.
    const corrupt = ids[4];
    const entry = JSON.parse((await ctx.redis.get(ctx.cacheKey(corrupt)))!);
    await ctx.redis.set(ctx.cacheKey(corrupt), JSON.stringify({ ...entry, value: { tampered: true } }));
    const record = await waitFor(async () => (await ctx.records(corrupt)).find((r) => r.status === 'persistent'), 60_000, 250);
    expect(record.kind).toBe('corrupt');

    // Every panel query returns at least one finite sample (Prometheus needs a few scrapes for rates).
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThanOrEqual(8);
    const pending = new Map(expressions.map((e) => [e.expr, { ...e, last: undefined as unknown }]));
    const deadline = Date.now() + 90_000;
    while (pending.size && Date.now() < deadline) {
      for (const [expr, status] of pending) {
        const body = await query(expr);
        status.last = body;
        const finite = body.status === 'success' && (body.data.result as any[]).some((r) => Number.isFinite(Number(r.value[1])));
        if (finite) pending.delete(expr);
      }
      if (pending.size) await sleep(1000);
    }
    const failures = [...pending.values()].map((p) => `${p.panel}: ${p.expr}\n  -> ${JSON.stringify(p.last)}`);
    expect(failures).toEqual([]);

    // The injected inconsistency shows up by kind, and its transitions were counted (once scraped).
    const seen = async (expr: string, label: string, want: string[]) =>
      waitFor(
        async () => {
          const values = ((await query(expr)).data.result as any[]).map((r) => r.metric[label]);
          return want.every((w) => values.includes(w)) ? values : null;
        },
        30_000,
        500,
      );
    await seen('max by (kind) (polaris_inconsistencies_active)', 'kind', ['corrupt']);
    await seen('sum by (transition) (polaris_lifecycle_transitions_total)', 'transition', ['detected', 'confirmed', 'persistent']);
    // It fires the alert that has no `for` (the dashboard's "Firing alerts" table shows it, above).
    await seen('ALERTS{alertname="PolarisInconsistencyConfirmed", alertstate="firing", source="items"}', 'kind', ['corrupt']);
    // Each process reports the readiness checks its /health runs, all up here.
    await seen('min by (check) (polaris_health_check_up{job="polaris-api"}) == 1', 'check', ['postgres', 'redis']);
    await seen('min by (check) (polaris_health_check_up{job="polaris-worker"}) == 1', 'check', ['postgres', 'redis', 'relay', 'sweeper']);
  }, 240_000);

  it.each([
    ['api', () => apiBase],
    ['worker', () => workerBase],
  ])("the %s's /metrics passes `promtool check metrics`, lint included", async (_name, base) => {
    const text = await (await fetch(`${base()}/metrics`)).text();
    expect(text).toContain('polaris_');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });
});
