import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

/** Runs the project's dependency rules (as `npm run deps` does) over a tree; returns the violations' lines. */
async function violations(tree: string): Promise<string[]> {
  const depcruise = join(ROOT, 'node_modules/.bin/depcruise');
  const args = ['apps', 'libs', 'bench', 'test', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'];
  try {
    await run(depcruise, args, { cwd: tree });
    return [];
  } catch (err) {
    return String((err as { stdout?: string }).stdout)
      .split('\n')
      .filter((l) => /^\s*error /.test(l))
      .map((l) => l.trim());
  }
}

/**
 * The import rules hold the shape (see .dependency-cruiser.cjs): a copy of the tree with one
 * violation of each kind added must fail with exactly those, and the tree itself must pass.
 */
describe('dependency rules', () => {
  let tree: string;

  beforeAll(() => {
    tree = mkdtempSync(join(tmpdir(), 'polaris-deps-'));
    for (const entry of ['apps', 'libs', 'bench', 'test', 'tsconfig.json', '.dependency-cruiser.cjs'])
      cpSync(join(ROOT, entry), join(tree, entry), { recursive: true, filter: (src) => !src.includes('/results/') });
  });

  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('pass on the tree as it is', async () => {
    expect(await violations(ROOT)).toEqual([]);
  }, 60_000);

  it('fail on a cycle, a deep import, a relative path into a lib, a lib importing an app, a capability internal, and an import that does not resolve', async () => {
    const write = (file: string, text: string) => writeFileSync(join(tree, file), text);
    const service = join(tree, 'libs/cache/src/cache.service.ts');
    writeFileSync(service, `import type { Item } from '@app/items';\nexport type Probe = Item;\n${readFileSync(service, 'utf8')}`);
    write(
      'apps/api/src/probe.ts',
      `import { CacheService } from '../../../libs/cache/src/cache.service';\nexport const probe = CacheService;\n`,
    );
    write(
      'test/probe.ts',
      `import { decideOnCheck } from '../libs/consistency/src/checks/lifecycle';\nexport const probe = decideOnCheck;\n`,
    );
    write('libs/items/src/probe.ts', `import { createApiApp } from '@apps/api';\nexport const probe = createApiApp;\n`);
    write('bench/probe.ts', `import { CacheService } from '@app/cache/src/cache.service';\nexport const probe = CacheService;\n`);
    write(
      'libs/consistency/src/sweep/probe.ts',
      `import { CheckService } from '../checks/check.service';\nexport const probe = CheckService;\n`,
    );

    const found = await violations(tree);
    const rules = new Set(found.map((l) => /^error ([a-z-]+):/.exec(l)?.[1]));
    expect([...rules].sort()).toEqual([
      'apps-use-lib-aliases',
      'capabilities-through-their-index',
      'libs-do-not-import-apps',
      'no-cycles',
      'no-deep-imports',
      'no-unresolvable',
    ]);
    expect(found).toContain('error no-deep-imports: test/probe.ts → libs/consistency/src/checks/lifecycle.ts');
    expect(found).toContain('error libs-do-not-import-apps: libs/items/src/probe.ts → apps/api/src/bootstrap.ts');
  }, 60_000);
});
