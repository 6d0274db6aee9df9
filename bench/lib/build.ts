import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli';

/** The file an npm script runs with `node <file>`: the entry points are named in package.json only. */
function entryOf(script: string): string {
  const command: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts[script];
  const file = /^node (\S+\.js)$/.exec(command)?.[1];
  if (!file) throw new Error(`npm script ${script} is not "node <file>.js": ${command}`);
  return join(ROOT, file);
}

/** The built entry points the benchmarks run: the same files `npm run start:api` / `start:worker` run. */
export const API_MAIN = entryOf('start:api');
export const WORKER_MAIN = entryOf('start:worker');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Why dist/ cannot be used as it is, or null when it is up to date with apps/ and libs/. */
export function buildNeeded(): string | null {
  if (!existsSync(API_MAIN) || !existsSync(WORKER_MAIN)) return 'dist/ is missing';
  const built = Math.min(statSync(API_MAIN).mtimeMs, statSync(WORKER_MAIN).mtimeMs);
  const source = Math.max(newestSource(join(ROOT, 'apps')), newestSource(join(ROOT, 'libs')));
  return source > built ? 'apps/ or libs/ changed since the last build' : null;
}

/** Runs `npm run build` when dist/ is missing or older than the sources, so a benchmark never measures stale code. */
export function ensureBuilt(say: (msg: string) => void = () => undefined): void {
  const why = buildNeeded();
  if (!why) return;
  say(`${why}: npm run build`);
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
}
