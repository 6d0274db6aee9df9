import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { load } from 'js-yaml';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** `docker compose` (v2 plugin) when present, else Debian's `docker-compose`; neither needs a Docker engine for `config`. */
function composeCommand(): string[] {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(cmd[0], [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return cmd;
  }
  throw new Error(
    "neither `docker compose` (v2 plugin) nor `docker-compose` is installed; install Debian's docker-compose package " +
      '(apt-get install docker-compose), as .ci/run does',
  );
}

function compose(args: string[], file = 'docker-compose.yml'): { status: number | null; stdout: string; stderr: string } {
  const [bin, ...pre] = composeCommand();
  const env = { ...process.env, ADMIN_TOKEN: '', GRAFANA_ADMIN_PASSWORD: '' };
  const res = spawnSync(bin, [...pre, '-f', join(ROOT, file), ...args], { cwd: ROOT, encoding: 'utf8', env });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

interface Mount {
  type: 'bind' | 'volume';
  source: string;
  target: string;
}

/** A service's mounts from `config` output: short strings (docker-compose 1.x) or long objects (v2). */
function mounts(service: any): Mount[] {
  return (service.volumes ?? []).map((v: any): Mount => {
    if (typeof v !== 'string') return { type: v.type, source: v.source, target: v.target };
    const [source, target] = v.split(':');
    return { type: source.startsWith('/') || source.startsWith('.') ? 'bind' : 'volume', source, target };
  });
}

/** The mount of a repository path (relative to the repo root), or undefined. */
function bindOf(service: any, repoPath: string): Mount | undefined {
  return mounts(service).find((m) => m.type === 'bind' && relative(ROOT, m.source) === repoPath);
}

function healthcheckCommand(service: any): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : String(test ?? '');
}

/** Dockerfile instructions, continuation lines joined, comments dropped, grouped by stage. */
function dockerfileStages(text: string): { from: string; instructions: { op: string; args: string }[] }[] {
  const stages: { from: string; instructions: { op: string; args: string }[] }[] = [];
  const logical = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (op.toUpperCase() === 'FROM') stages.push({ from: args, instructions: [] });
    else stages[stages.length - 1].instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

/** Shell commands, one per `&&`-separated part. */
const commands = (line: string) =>
  line
    .split('&&')
    .map((c) => c.trim())
    .filter(Boolean);

/**
 * The README's build commands: the first ```bash fenced block after the first heading whose text
 * starts with "Build" (e.g. "### Build"); one command per line (or per `&&`), `# comments` ignored.
 */
function readmeBuildCommands(readme: string): string[] {
  const lines = readme.split('\n');
  const heading = lines.findIndex((l) => /^#{1,6}\s+Build/.test(l));
  if (heading < 0) throw new Error('README.md has no heading starting with "Build" (e.g. "### Build")');
  const open = lines.findIndex((l, i) => i > heading && /^```(bash|sh)\s*$/.test(l));
  const close = lines.findIndex((l, i) => i > open && /^```\s*$/.test(l));
  if (open < 0 || close < 0) throw new Error(`README.md: no \`\`\`bash block after "${lines[heading]}"`);
  return lines
    .slice(open + 1, close)
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean)
    .flatMap(commands);
}

describe('docker-compose.yml, validated by a real compose tool', () => {
  let config: any;

  beforeAll(() => {
    const res = compose(['config']);
    if (res.status !== 0) throw new Error(`compose config failed (${res.status}):\n${res.stderr}`);
    config = load(res.stdout);
  });

  it('is valid (`config --quiet` exits 0)', () => {
    const res = compose(['config', '--quiet']);
    expect({ status: res.status, stderr: res.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('runs the migration once, to completion, before the api and the worker', () => {
    const { migrate, api, worker } = config.services;
    expect(migrate.command).toEqual(['node', 'dist/apps/worker/main.js', 'migrate']);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on.postgres.condition).toBe('service_healthy');
    for (const svc of [api, worker]) {
      expect(svc.depends_on.migrate.condition).toBe('service_completed_successfully');
      expect(svc.depends_on.redis.condition).toBe('service_healthy');
    }
  });

  it('has health checks for PostgreSQL, Redis and the worker', () => {
    const { postgres, redis, worker } = config.services;
    expect(healthcheckCommand(postgres)).toContain('pg_isready');
    expect(healthcheckCommand(redis)).toContain('redis-cli ping');
    // The worker's internal listener must be reachable from Prometheus, and its readiness probed with node (no curl in the image).
    expect(worker.environment.WORKER_HTTP_HOST).toBe('0.0.0.0');
    expect(worker.healthcheck.test[0]).toBe('CMD');
    expect(worker.healthcheck.test[1]).toBe('node');
    expect(healthcheckCommand(worker)).toContain(`http://127.0.0.1:${worker.environment.WORKER_HTTP_PORT}/health'`);
    expect(worker.healthcheck.disable).toBeFalsy();
  });

  it('runs Prometheus with the repository config, scraping the api and the worker where they listen', () => {
    const { prometheus, api, worker } = config.services;
    const mount = bindOf(prometheus, 'deploy/prometheus/prometheus.yml');
    expect(mount).toBeDefined();
    expect(prometheus.command).toContain(`--config.file=${mount!.target}`);
    const scrape = load(read('deploy/prometheus/prometheus.yml')) as any;
    const targets = Object.fromEntries(
      scrape.scrape_configs.map((j: any) => [j.job_name, j.static_configs.flatMap((s: any) => s.targets)]),
    );
    expect(targets).toEqual({
      'polaris-api': [`api:${api.environment.PORT}`],
      'polaris-worker': [`worker:${worker.environment.WORKER_HTTP_PORT}`],
    });
    // The alerting rules: relative to the config, so mounted beside it (promtool below checks them too).
    expect(scrape.rule_files).toEqual(['alerts.yml']);
    for (const file of scrape.rule_files) {
      expect(bindOf(prometheus, `deploy/prometheus/${file}`)?.target).toBe(posix.join(posix.dirname(mount!.target), file));
    }
    const check = spawnSync('promtool', ['check', 'config', join(ROOT, 'deploy/prometheus/prometheus.yml')], { encoding: 'utf8' });
    if (check.error) throw new Error(`promtool is required (apt-get install prometheus): ${check.error.message}`);
    expect({ status: check.status, output: check.stderr }).toEqual({ status: 0, output: '' });
  });

  it('runs Grafana with the provisioned datasource and the Polaris dashboard', () => {
    const { grafana } = config.services;
    const datasources = bindOf(grafana, 'deploy/grafana/provisioning/datasources');
    const providers = bindOf(grafana, 'deploy/grafana/provisioning/dashboards');
    const dashboards = bindOf(grafana, 'deploy/grafana/dashboards');
    expect(datasources?.target).toBe('/etc/grafana/provisioning/datasources');
    expect(providers?.target).toBe('/etc/grafana/provisioning/dashboards');
    expect(dashboards).toBeDefined();

    // The dashboard provider loads the mounted dashboards directory; the dashboard uses the provisioned datasource.
    const provider = load(read('deploy/grafana/provisioning/dashboards/polaris.yml')) as any;
    expect(provider.providers.map((p: any) => p.options.path)).toContain(dashboards!.target);
    const [datasource] = (load(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as any).datasources;
    expect(datasource).toMatchObject({ type: 'prometheus', url: `http://prometheus:9090` });
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/polaris.json'));
    const panelSources = dashboard.panels.flatMap((p: any) => [p.datasource, ...p.targets.map((t: any) => t.datasource)]);
    expect(panelSources.every((ds: any) => ds.uid === datasource.uid)).toBe(true);
  });

  it('mounts only paths that exist in the repository', () => {
    const binds = Object.entries(config.services).flatMap(([name, svc]) =>
      mounts(svc)
        .filter((m) => m.type === 'bind')
        .map((m) => ({ name, source: m.source })),
    );
    expect(binds.length).toBeGreaterThanOrEqual(4);
    expect(binds.filter((b) => !existsSync(b.source))).toEqual([]);
    for (const b of binds) expect(relative(ROOT, b.source).startsWith('deploy')).toBe(true);
    expect(statSync(join(ROOT, 'deploy/grafana/dashboards/polaris.json')).isFile()).toBe(true);
  });
});

describe('docker-compose.cluster.yml, validated by a real compose tool', () => {
  const FILE = 'docker-compose.cluster.yml';
  const NODES = ['redis-1', 'redis-2', 'redis-3'];
  let config: any;

  beforeAll(() => {
    const res = compose(['config'], FILE);
    if (res.status !== 0) throw new Error(`compose config failed (${res.status}):\n${res.stderr}`);
    config = load(res.stdout);
  });

  it('is valid (`config --quiet` exits 0)', () => {
    const res = compose(['config', '--quiet'], FILE);
    expect({ status: res.status, stderr: res.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('runs three Redis 7 nodes with cluster mode on, announcing their service names, each health-checked', () => {
    const redis = Object.keys(config.services).filter((name) => config.services[name].command?.[0] === 'redis-server');
    expect(redis.sort()).toEqual(NODES);
    for (const name of NODES) {
      const node = config.services[name];
      expect(node.image).toBe('redis:7');
      const command = (node.command as string[]).join(' ');
      expect(command).toContain('--cluster-enabled yes');
      expect(command).toContain(`--cluster-announce-hostname ${name}`);
      expect(command).toContain('--cluster-preferred-endpoint-type hostname');
      expect(healthcheckCommand(node)).toContain('redis-cli ping');
    }
  });

  it('creates the cluster once, from every node, after they are healthy', () => {
    const init = config.services['redis-cluster-init'];
    expect(init.restart).toBe('no');
    const script = (init.command as string[]).join(' ');
    expect(script).toMatch(/redis-cli --cluster create .* --cluster-yes/);
    for (const name of NODES) {
      expect(script).toContain(name);
      expect(init.depends_on[name].condition).toBe('service_healthy');
    }
  });

  it('points the api and the worker at the cluster, started once it is created and migrations ran', () => {
    const { migrate, api, worker } = config.services;
    const seeds = NODES.map((name) => `${name}:6379`).join(',');
    for (const svc of [migrate, api, worker]) {
      expect(svc.environment.REDIS_CLUSTER_NODES).toBe(seeds);
      expect(svc.environment.QUEUE_REDIS_CLUSTER_NODES).toBe(seeds);
      // REDIS_CLUSTER_NODES takes precedence; REDIS_URL / QUEUE_REDIS_URL beside it would only mislead.
      expect(svc.environment.REDIS_URL).toBeUndefined();
      expect(svc.environment.QUEUE_REDIS_URL).toBeUndefined();
    }
    expect(migrate.depends_on.postgres.condition).toBe('service_healthy');
    for (const svc of [api, worker]) {
      expect(svc.depends_on.migrate.condition).toBe('service_completed_successfully');
      expect(svc.depends_on['redis-cluster-init'].condition).toBe('service_completed_successfully');
    }
    expect(migrate.command).toEqual([...worker.command, 'migrate']);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages(read('Dockerfile'));
  const final = stages[stages.length - 1];
  const of = (op: string) => final.instructions.filter((i) => i.op === op);

  it('is multi-stage: the final image copies the build output from an earlier stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(of('COPY').some((c) => c.args.includes('--from='))).toBe(true);
    expect(of('RUN')).toEqual([]); // nothing is built in the final stage
  });

  it('runs as a non-root user', () => {
    const users = of('USER');
    expect(users.length).toBeGreaterThanOrEqual(1);
    expect(users[users.length - 1].args).not.toMatch(/^(root|0)(:|$)/);
  });

  it('starts node on the compiled entry point (not npm) and has a HEALTHCHECK', () => {
    const [cmd] = of('CMD');
    const argv = JSON.parse(cmd.args);
    expect(argv[0]).toBe('node');
    expect(argv[1]).toMatch(/^dist\//);
    expect(argv).not.toContain('npm');
    const [healthcheck] = of('HEALTHCHECK');
    expect(healthcheck.args).toMatch(/\bCMD\b/);
    expect(healthcheck.args).not.toMatch(/\bNONE\b/);
  });

  it('reads the README build commands from the first bash block under a "Build" heading', () => {
    const sample = [
      '## Run',
      '```bash',
      'npm start',
      '```',
      '### Build',
      'Text.',
      '```bash',
      'npm ci   # pinned',
      '',
      'npm run build && npm prune',
      '```',
    ];
    expect(readmeBuildCommands(sample.join('\n'))).toEqual(['npm ci', 'npm run build', 'npm prune']);
  });

  it('runs the entry points the npm scripts name, which `npm run build` emits', () => {
    const scripts = JSON.parse(read('package.json')).scripts;
    expect(JSON.parse(of('CMD')[0].args)).toEqual(scripts['start:api'].split(' '));
    const { migrate, worker } = (load(read('docker-compose.yml')) as any).services;
    expect(worker.command).toEqual(scripts['start:worker'].split(' '));
    expect(migrate.command).toEqual([...scripts['start:worker'].split(' '), 'migrate']);
    expect(scripts['start:api']).toBe('node dist/apps/api/main.js');
    expect(scripts['start:worker']).toBe('node dist/apps/worker/main.js');
  });

  it("builds with exactly the README's build commands", () => {
    const runs = stages.slice(0, -1).flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').flatMap((i) => commands(i.args)));
    expect(runs.length).toBeGreaterThan(0);
    expect(readmeBuildCommands(read('README.md'))).toEqual(runs);
  });
});
