import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import { renderSvg } from './chart';
import { ROOT } from './cli';

export interface Goal {
  /** What is compared, e.g. "req/s ratio (Polaris / baseline)". */
  name: string;
  /** e.g. ">= 0.75" */
  target: string;
  actual: number;
  met: boolean;
}

export function goal(name: string, op: '>=' | '<=', target: number, actual: number): Goal {
  return { name, target: `${op} ${target}`, actual, met: op === '>=' ? actual >= target : actual <= target };
}

export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavg1m: Number(loadavg()[0].toFixed(2)),
  };
}

/** Atomic write: the full results are never left half-written by an interrupted run. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** What every results file starts with: which benchmark, when, on what machine, from which source. */
export function resultsHeader(benchmark: string, smoke: boolean, startedAt: Date, measured: ReturnType<typeof source>) {
  return {
    benchmark,
    smoke,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machine(),
    source: measured,
  };
}

/** Writes <out>/<name>.json and <out>/<name>.svg; returns their paths relative to the repository. */
export async function writeResults(
  out: string,
  name: string,
  results: object,
  chart: TopLevelSpec,
): Promise<{ json: string; svg: string }> {
  mkdirSync(out, { recursive: true });
  const json = join(out, `${name}.json`);
  const svg = join(out, `${name}.svg`);
  writeAtomically(json, JSON.stringify(results, null, 2) + '\n');
  writeAtomically(svg, await renderSvg(chart));
  return { json: relative(ROOT, json), svg: relative(ROOT, svg) };
}

export function markdownTable(headers: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const sep = headers.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  return [headers, sep, ...rows.map((r) => r.map(String))].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function goalsTable(goals: Goal[]): string {
  return markdownTable(
    ['goal', 'target', 'actual', 'met'],
    goals.map((g) => [g.name, g.target, fmt(g.actual), g.met ? 'yes' : '**no**']),
    ['l', 'l', 'r', 'l'],
  );
}

/** Thousands separators for large numbers, 3 significant digits for small ones. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

/**
 * Which code was measured: the commit, the files under apps/ and libs/ that differed from it, and a
 * hash of every .ts file there (two runs with the same hash ran the same code).
 */
export function source() {
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout : '';
  };
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) hash.update(relative(ROOT, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(join(ROOT, 'apps'));
  walk(join(ROOT, 'libs'));
  return {
    commit: git('rev-parse', '--short', 'HEAD').trim() || 'unknown',
    uncommittedInAppsOrLibs: git('status', '--porcelain', '--', 'apps', 'libs')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3)),
    appsAndLibsSha256: hash.digest('hex').slice(0, 16),
  };
}
