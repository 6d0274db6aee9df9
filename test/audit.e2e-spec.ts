import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeKeys, spawnApp, TcpProxy, TEST_REDIS, TestContext } from '@app/testing';

const ROOT = join(__dirname, '..');
const ENTRY = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/worker/main.ts', 'audit'];
const CUSTOMERS = 120;

interface AuditRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `npm run audit`, the worker's entry with `audit`, run as a child process against this spec's
 * database and key prefixes (a built-in items source and a declared `customers` source): its exit
 * status, summary, JSON report, progress output and options, and that it changes nothing.
 */
describe('audit (npm run audit)', () => {
  let ctx: TestContext;
  let dir: string;
  let customerPrefix: string;
  let itemIds: string[];
  let customerIds: string[];

  const reportFile = (name: string) => join(dir, `${name}.json`);
  const report = (name: string) => JSON.parse(readFileSync(reportFile(name), 'utf8'));

  /** Runs the audit with the spec's environment (plus `env`); `onStderr` sees its progress as it comes. */
  async function audit(args: string[], env: Record<string, string> = {}, onStderr?: (text: string) => void): Promise<AuditRun> {
    const run = spawnApp('worker', env, ['audit', ...args]);
    let stdout = '';
    let stderr = '';
    run.child.stdout!.on('data', (d) => (stdout += d));
    run.child.stderr!.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr);
    });
    const [code] = await run.exited;
    return { code, stdout, stderr };
  }

  const customerKey = (id: string) => `${customerPrefix}${id}`;

  /** The entry the application would cache for a customer: its row, as JSON. */
  async function cacheCustomers(ids: readonly string[]): Promise<void> {
    const { rows } = await ctx.pg.query(
      `SELECT id, json_build_object('id', id, 'email', email, 'tier', tier, 'updatedAt', updated_at)::text AS entry
         FROM audit_shop.customers WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    for (const r of rows) await ctx.redis.set(customerKey(r.id), r.entry);
  }

  /** Every key of this spec in the cache, with its value: the audit must leave them as they were. */
  async function cacheSnapshot(): Promise<Record<string, string | null>> {
    const keys = [...(await ctx.redis.keys(`${ctx.cachePrefix}*`)), ...(await ctx.redis.keys(`${customerPrefix}*`))].sort();
    const values = keys.length ? await ctx.redis.mget(keys) : [];
    return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
  }

  /** What Polaris itself keeps: records, change logs, sweep cursors, and the queues' keys. */
  async function polarisState(): Promise<unknown> {
    const count = async (table: string) => Number((await ctx.pg.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    return {
      inconsistencies: await count('inconsistencies'),
      sweeper: (await ctx.pg.query(`SELECT * FROM sweeper_state`)).rows,
      sourceSweeps: (await ctx.pg.query(`SELECT * FROM source_sweep_state`)).rows,
      queueKeys: (await ctx.redis.keys(`${ctx.queuePrefix}*`)).sort(),
    };
  }

  beforeAll(async () => {
    ctx = await TestContext.create('audit', { GRACE_PERIOD_MS: '1000' });
    dir = mkdtempSync(join(tmpdir(), 'polaris-audit-'));
    customerPrefix = `${ctx.cachePrefix.replace(/item:$/, '')}customer:`;
    await ctx.pg.query(`
      CREATE SCHEMA audit_shop;
      CREATE TABLE audit_shop.customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL, tier text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO audit_shop.customers (email, tier) SELECT 'c' || g || '@example.com', 'gold' FROM generate_series(1, ${CUSTOMERS}) g;`);
    const sources = join(dir, 'polaris.yaml');
    writeFileSync(
      sources,
      `sources:
  - name: customers
    table: audit_shop.customers
    version: updated_at
    capture: none
    keys:
      - key: "${customerPrefix}{id}"
        format: json
        fields: { id: id, email: email, tier: tier, updatedAt: updated_at }
`,
    );
    ctx.configure({ POLARIS_SOURCES: sources });
    await ctx.startApi();
    itemIds = [];
    for (let i = 0; i < 40; i++) {
      const res = await ctx.http('POST', '/items', { name: `item ${i}`, value: { n: i } });
      expect(res.status).toBe(201);
      itemIds.push(res.body.id);
      expect((await ctx.http('GET', `/items/${res.body.id}`)).status).toBe(200); // a read fills the cache
    }
    customerIds = (await ctx.pg.query(`SELECT id FROM audit_shop.customers ORDER BY id`)).rows.map((r) => r.id);
    await cacheCustomers(customerIds);
  });

  afterAll(async () => {
    await removeKeys(ctx.redis, [customerPrefix]);
    await ctx.close();
  });

  it('exits 0 on a consistent cache, with plain progress lines, a summary table and the JSON report', async () => {
    const run = await audit(['--json', reportFile('consistent')]);
    expect(run).toMatchObject({ code: 0 });
    // Not a terminal: plain progress lines on stderr, the summary alone on stdout.
    expect(run.stderr).toMatch(/^audit: [\d,]+\/[\d,]+ rows .*\| items: comparing rows$/m);
    expect(run.stderr).toMatch(/customers: searching for orphan keys/);
    expect(run.stdout).toMatch(/│\s+│\s+items │\s+customers │\s+total │/);
    expect(run.stdout).toMatch(/│ rows\s+│\s+40 │\s+120 │\s+160 │/);
    expect(run.stdout).toMatch(/^CONSISTENT: 160 cache keys of 160 rows/m);
    expect(run.stdout).not.toMatch(/audit:/);

    const r = report('consistent');
    expect(r.consistent).toBe(true);
    expect(r.inconsistencies).toEqual([]);
    const [items, customers] = r.sources;
    expect(items).toMatchObject({
      source: 'items',
      rows: 40,
      checked: 40,
      consistent: 40,
      miss: 0,
      settled: 0,
      uncomparable: 0,
      keysScanned: 40,
    });
    expect(customers).toMatchObject({
      source: 'customers',
      rows: CUSTOMERS,
      checked: CUSTOMERS,
      consistent: CUSTOMERS,
      keysScanned: CUSTOMERS,
    });
  });

  it('exits 1 with every inconsistency that survives the grace re-check, each kind counted and each key in the report with its diff; changes nothing', async () => {
    const [staleItem, corruptItem] = itemIds;
    const orphanItem = `${ctx.cachePrefix}00000000-0000-4000-8000-000000000001`;
    const [wrongCustomer, goneCustomer] = customerIds;
    // A row written with SQL behind the cache's back, an entry that does not parse, an entry with no row,
    // a field changed in the cache, and a customer deleted with its key left behind.
    await ctx.pg.query(`UPDATE items SET value = '{"n": "changed"}', version = version + 1 WHERE id = $1`, [staleItem]);
    await ctx.redis.set(`${ctx.cachePrefix}${corruptItem}`, '{not json');
    await ctx.redis.set(orphanItem, JSON.stringify({ id: 'x', version: 1, value: 1 }));
    const entry = JSON.parse((await ctx.redis.get(customerKey(wrongCustomer)))!);
    await ctx.redis.set(customerKey(wrongCustomer), JSON.stringify({ ...entry, tier: 'bronze' }));
    await ctx.pg.query(`DELETE FROM audit_shop.customers WHERE id = $1`, [goneCustomer]);
    const cacheBefore = await cacheSnapshot();
    const stateBefore = await polarisState();
    try {
      const run = await audit(['--json', reportFile('inconsistent')]);
      expect(run).toMatchObject({ code: 1 });
      expect(run.stdout).toMatch(/^INCONSISTENT: 5 keys still differ from PostgreSQL after the 1000 ms grace re-check/m);
      expect(run.stdout).toMatch(/│ stale\s+│\s+1 │\s+0 │\s+1 │/);
      expect(run.stdout).toMatch(/│ orphan\s+│\s+1 │\s+1 │\s+2 │/);

      const r = report('inconsistent');
      expect(r.consistent).toBe(false);
      const found = Object.fromEntries(r.inconsistencies.map((f: any) => [f.key, f]));
      expect(Object.keys(found).sort()).toEqual(
        [
          `${ctx.cachePrefix}${staleItem}`,
          `${ctx.cachePrefix}${corruptItem}`,
          orphanItem,
          customerKey(wrongCustomer),
          customerKey(goneCustomer),
        ].sort(),
      );
      expect(found[`${ctx.cachePrefix}${staleItem}`]).toMatchObject({
        source: 'items',
        kind: 'stale',
        dbVersion: 2,
        cacheVersion: 1,
        dbValue: { n: 'changed' },
      });
      expect(found[`${ctx.cachePrefix}${corruptItem}`]).toMatchObject({ source: 'items', kind: 'corrupt', cacheValue: '{not json' });
      expect(found[orphanItem]).toMatchObject({ source: 'items', kind: 'orphan', dbValue: null });
      expect(found[customerKey(goneCustomer)]).toMatchObject({ source: 'customers', kind: 'orphan', dbValue: null });
      const wrong = found[customerKey(wrongCustomer)];
      expect(wrong).toMatchObject({ source: 'customers', kind: 'corrupt' }); // same version, other content
      expect(wrong.diff).toEqual([expect.objectContaining({ field: 'tier' })]);
      expect(r.sources[0].inconsistent).toEqual({ stale: 1, ahead: 0, corrupt: 1, diverged: 0, orphan: 1 });
      expect(r.sources[1].inconsistent).toEqual({ stale: 0, ahead: 0, corrupt: 1, diverged: 0, orphan: 1 });
      expect(r.sources[0]).toMatchObject({ rows: 40, checked: 41, consistent: 38 });
      expect(r.sources[1]).toMatchObject({ rows: CUSTOMERS - 1, checked: CUSTOMERS, consistent: CUSTOMERS - 2 });

      // Read-only: the cache, the records, the sweep cursors and the queues are as they were.
      expect(await cacheSnapshot()).toEqual(cacheBefore);
      expect(await polarisState()).toEqual(stateBefore);
    } finally {
      await ctx.pg.query(`UPDATE items SET value = '{"n": 0}', version = version + 1 WHERE id = $1`, [staleItem]);
      await ctx.redis.del(`${ctx.cachePrefix}${staleItem}`, `${ctx.cachePrefix}${corruptItem}`, orphanItem, customerKey(goneCustomer));
      await ctx.redis.set(customerKey(wrongCustomer), JSON.stringify(entry));
    }
  });

  it('does not report a mismatch that a write fixes within the grace period (a write in flight)', async () => {
    const [id] = customerIds.slice(-1);
    const entry = (await ctx.redis.get(customerKey(id)))!;
    await ctx.redis.set(customerKey(id), JSON.stringify({ ...JSON.parse(entry), email: 'in-flight@example.com' }));
    let fixed = false;
    const run = await audit(['--source', 'customers', '--json', reportFile('in-flight')], { GRACE_PERIOD_MS: '3000' }, (stderr) => {
      // The pass is over and the mismatch waits for its re-check: the application's write lands now.
      if (!fixed && stderr.includes('re-checking mismatches')) {
        fixed = true;
        void ctx.redis.set(customerKey(id), entry);
      }
    });
    expect(fixed).toBe(true);
    expect(run).toMatchObject({ code: 0 });
    const r = report('in-flight');
    expect(r.options.sources).toEqual(['customers']);
    expect(r.sources).toHaveLength(1);
    expect(r.sources[0]).toMatchObject({ settled: 1, consistent: CUSTOMERS - 2 });
    expect(r.inconsistencies).toEqual([]);
  });

  it('rides out a Redis blip during the pass: a read that fails for an outage is tried again', async () => {
    const [id] = customerIds.slice(-2);
    const entry = (await ctx.redis.get(customerKey(id)))!;
    await ctx.redis.set(customerKey(id), JSON.stringify({ ...JSON.parse(entry), tier: 'blip' }));
    const proxy = await TcpProxy.start(TEST_REDIS);
    let cut: Promise<void> | undefined;
    try {
      const run = await audit(
        ['--source', 'customers', '--json', reportFile('blip')],
        { REDIS_URL: proxy.url(TEST_REDIS), GRACE_PERIOD_MS: '300' },
        (stderr) => {
          // Redis goes away as the re-check is about to read, and comes back 2.5 s later.
          if (!cut && stderr.includes('re-checking mismatches'))
            cut = proxy
              .cut()
              .then(() => new Promise((r) => setTimeout(r, 2500)))
              .then(() => proxy.restore());
        },
      );
      expect(cut).toBeDefined();
      expect(run).toMatchObject({ code: 1 });
      expect(report('blip').inconsistencies).toEqual([expect.objectContaining({ key: customerKey(id), kind: 'corrupt' })]);
    } finally {
      await cut;
      await proxy.close();
      await ctx.redis.set(customerKey(id), entry);
    }
  });

  it('--source, --limit and --sample choose what is read; a partial audit skips the orphan search', async () => {
    const limited = await audit(['--source', 'items', '--limit', '7', '--json', reportFile('limit')]);
    expect(limited).toMatchObject({ code: 0 });
    expect(limited.stdout).toMatch(/│ orphan search\s+│\s+skipped │/);
    expect(report('limit').sources).toEqual([expect.objectContaining({ source: 'items', rows: 7, checked: 7, keysScanned: null })]);

    const sampled = await audit(['--source', 'customers', '--sample', '0.25', '--json', reportFile('sample')]);
    expect(sampled).toMatchObject({ code: 0 });
    const { rows, keysScanned } = report('sample').sources[0];
    // A binomial share of 119 rows at 0.25: mean 30, sd 4.7; the bounds are over 4 sd away.
    expect(rows).toBeGreaterThanOrEqual(10);
    expect(rows).toBeLessThanOrEqual(55);
    expect(keysScanned).toBeNull();
  });

  it('--max-rate paces the reads', async () => {
    const run = await audit(['--source', 'customers', '--max-rate', '60', '--json', reportFile('rate')]);
    expect(run).toMatchObject({ code: 0 });
    const [customers] = report('rate').sources;
    // 119 rows and 119 keys at 60 per second cannot take less than (238 - the first page of 15) / 60 s.
    expect(customers.rows + customers.keysScanned).toBe(2 * (CUSTOMERS - 1));
    expect(customers.seconds).toBeGreaterThanOrEqual((2 * (CUSTOMERS - 1) - 15) / 60);
  });

  it('exits 2 on an error: bad arguments or environment, an unknown source, an unwritable report, PostgreSQL or Redis away', async () => {
    const bad = await audit(['--limit', 'ten']);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toMatch(/--limit takes a whole number of at least 1, not "ten"/);
    expect(bad.stderr).toMatch(/Usage: npm run audit -- \[options\]/);

    const unknownFlag = await audit(['--fast']);
    expect(unknownFlag).toMatchObject({ code: 2 });
    expect(unknownFlag.stderr).toMatch(/Unknown option '--fast'/);

    const unknown = await audit(['--source', 'nope']);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/no source named "nope"; the guarded sources are items, customers/);

    const unwritable = await audit(['--json', join(dir, 'missing-dir', 'r.json')]);
    expect(unwritable).toMatchObject({ code: 2 });
    expect(unwritable.stderr).toMatch(/ENOENT/);

    const badEnvironment = await audit([], { GRACE_PERIOD_MS: 'soon' });
    expect(badEnvironment).toMatchObject({ code: 2 });
    expect(badEnvironment.stderr).toMatch(/audit: Invalid configuration:\n\s+GRACE_PERIOD_MS="soon"/);

    const noPostgres = await audit([], { POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(noPostgres).toMatchObject({ code: 2 });
    expect(noPostgres.stderr).toMatch(/audit: could not start: PostgreSQL did not answer/);

    const noRedis = await audit([], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(noRedis).toMatchObject({ code: 2 });
    expect(noRedis.stderr).toMatch(/audit: the cache's Redis did not answer/);

    const help = await audit(['--help']);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toMatch(/Exit status: 0 consistent, 1 inconsistencies remain after the grace re-check, 2 error/);
  });

  it('shows a progress bar on a terminal', async () => {
    // script(1) runs the audit on a pseudo-terminal, as a person at a shell would.
    const command = [process.execPath, ...ENTRY, '--source', 'customers'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(output).toMatch(/[█░]+ 100% \| 119\/119 rows \| [\d,]+ rows\/s \| ETA/);
    expect(output).not.toMatch(/^audit: /m); // no plain lines on a terminal
    expect(output).toMatch(/CONSISTENT: 119 cache keys of 119 rows/);
  });

  it('is what `npm run audit` runs: the built worker entry, after a build', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.audit).toBe(`npm run -s build && ${scripts['start:worker']} audit`);
    expect(scripts['start:worker']).toBe('node dist/apps/worker/main.js');
  });
});
