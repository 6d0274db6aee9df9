import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { databaseConfig } from '@app/config';
import { migrateSources } from '@app/sources';
import { TestContext, waitFor } from '@app/testing';

const ROOT = join(__dirname, '..');
const SHOP = join(ROOT, 'examples/shop/shop.js');
const execFileAsync = promisify(execFile);

/**
 * The "Guard your own tables" promise, end to end: the example shop (an application with no Polaris
 * code) declared in its own polaris.yaml, migrated, and guarded by a real worker. Its `correct` mode
 * under concurrent load produces no record; a bug mode produces confirmed records, each for a key the
 * application's own ground truth says it left wrong, with diffs and timelines.
 */
describe('the example shop, guarded', () => {
  let ctx: TestContext;
  let prefix: string;
  let dir: string;

  async function shop(args: string[]): Promise<any> {
    const { stdout } = await execFileAsync(process.execPath, [SHOP, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: process.env.POSTGRES_URL, REDIS_URL: process.env.REDIS_URL, KEY_PREFIX: prefix },
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  const records = async () => [
    ...((await ctx.http('GET', '/items/inconsistencies/all?source=customers&limit=1000')).body as any[]),
    ...((await ctx.http('GET', '/items/inconsistencies/all?source=orders&limit=1000')).body as any[]),
  ];

  function truth(file: string): { wrongAt: Map<string, number>; stillWrong: Set<string> } {
    const wrongAt = new Map<string, number>();
    const stillWrong = new Set<string>();
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const e = JSON.parse(line);
      if (e.event === 'wrong') {
        if (!wrongAt.has(e.key)) wrongAt.set(e.key, Date.parse(e.at));
        stillWrong.add(e.key);
      } else stillWrong.delete(e.key);
    }
    return { wrongAt, stillWrong };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'polaris-example-'));
    const file = join(dir, 'polaris.yaml');
    ctx = await TestContext.create('example_guarded', { POLARIS_SOURCES: file, GRACE_PERIOD_MS: '500' });
    prefix = `test:example_guarded_${process.pid}:`;
    // The example's own declaration, its keys under this spec's prefix.
    writeFileSync(file, readFileSync(join(ROOT, 'examples/shop/polaris.yaml'), 'utf8').replace(/key: "/g, `key: "${prefix}`));
    await shop(['setup', '--customers', '200', '--orders', '200']);
    expect(await migrateSources(databaseConfig(), file)).toMatchObject({
      installed: ['customers on shop.customers', 'orders on shop.orders'],
    });
    await ctx.startApi();
    await ctx.startWorker();
  }, 120_000);

  afterAll(async () => {
    await ctx.close();
    const keys = await ctx.redis.keys(`${prefix}*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500)).catch(() => undefined);
  });

  it('correct mode under concurrent load: no record at all', async () => {
    const file = join(dir, 'correct.jsonl');
    const summary = await shop([
      'run',
      '--mode',
      'correct',
      '--duration',
      '4',
      '--concurrency',
      '8',
      '--hot',
      '20',
      '--warm',
      '--truth',
      file,
    ]);
    expect(summary).toMatchObject({ wrongLogged: 0, warmed: true });
    expect(summary.ops.update).toBeGreaterThan(50); // a real load: updates and email changes, concurrently
    expect(summary.errors).toBe(0);
    await ctx.settle();
    expect(await records()).toEqual([]);
  }, 90_000);

  it.each(['stale-set', 'forget-old-key', 'sql'])(
    '%s: every key left wrong past the grace period gets a confirmed record with its diff, and no other key does',
    async (mode) => {
      const file = join(dir, `${mode}.jsonl`);
      await shop([
        'run',
        '--mode',
        mode,
        '--duration',
        '3',
        '--concurrency',
        '4',
        '--hot',
        '20',
        '--bug-rate',
        '0.5',
        '--warm',
        '--truth',
        file,
      ]);
      const { wrongAt, stillWrong } = truth(file);
      expect(stillWrong.size).toBeGreaterThan(0);
      await waitFor(
        async () => {
          const keys = new Set((await records()).map((r) => r.key));
          return [...stillWrong].every((k) => keys.has(k));
        },
        30_000,
        200,
        { what: `a record for each of ${stillWrong.size} keys left wrong` },
      );
      for (const r of await records()) {
        expect(wrongAt.has(r.key)).toBe(true); // never a key the application did not leave wrong
        if (r.kind !== 'orphan') expect(r.diff.length).toBeGreaterThan(0);
      }
      const one = (await records()).find((r) => stillWrong.has(r.key));
      const detail = (await ctx.http('GET', `/inconsistencies/${one.id}`)).body;
      expect(detail.timeline.length).toBeGreaterThan(0);
      // Next mode starts from a clean slate of records and cache.
      await ctx.settle();
      await ctx.pg.query('DELETE FROM inconsistencies');
      const keys = await ctx.redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
    },
    90_000,
  );
});
