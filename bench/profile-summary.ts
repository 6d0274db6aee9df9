/**
 * Summarises V8 CPU profiles (from `--profile`, i.e. node --cpu-prof) for finding where time goes:
 * self time by package (node_modules/<pkg>, the app's own code, node internals, GC, idle) and the
 * hottest functions.
 *
 *   npx ts-node --transpile-only bench/profile-summary.ts bench/results/profiles/read/polaris-api-*.cpuprofile [--top 25] [--match REGEX]
 *
 * --match REGEX adds inclusive ("total") time of the frames whose "function  file:line" matches.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Which bucket a frame's self time belongs to. */
export function category(url: string, fn: string): string {
  if (fn === '(idle)') return '(idle)';
  if (fn === '(garbage collector)') return '(gc)';
  if (fn === '(program)') return '(program)';
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node internals';
  const app = url.match(/(apps|libs|bench)\/[^/]+/);
  return app ? app[0] : url;
}

export function summarize(profile: Profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const cat = category(url, functionName);
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    if (cat === '(idle)') continue;
    const key = `${functionName || '(anonymous)'}  ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*\/(apps|libs)\//, '$1/')}:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  // Inclusive ("total") time: each sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frameKey = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'}  ${n.callFrame.url ? `${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(apps|libs)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : ''}`;
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur)!;
      if (node.callFrame.functionName === '(root)') break;
      const k = frameKey(node);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    wallS: (profile.endTime - profile.startTime) / 1e6,
    busyS: busy / 1e6,
    idleS: idle / 1e6,
    categories: sorted(cats)
      .filter(([k]) => k !== '(idle)')
      .map(([k, us]) => ({ what: k, selfS: us / 1e6, ofBusy: pct(us) })),
    functions: sorted(fns)
      .slice(0, top)
      .map(([k, us]) => ({ what: k, selfS: us / 1e6, ofBusy: pct(us) })),
    inclusive: sorted(inclusive).map(([k, us]) => ({ what: k, totalS: us / 1e6, ofBusy: pct(us) })),
  };
}

if (require.main === module) {
  const files = process.argv.slice(2).filter((a) => a.endsWith('.cpuprofile'));
  const top = Number(stringArg('top') ?? 25);
  if (!files.length) {
    console.error('usage: profile-summary.ts FILE.cpuprofile… [--top N]');
    process.exit(1);
  }
  for (const f of files) {
    const s = summarize(JSON.parse(readFileSync(f, 'utf8')) as Profile, top);
    console.log(`\n## ${basename(f)}: ${s.wallS.toFixed(1)} s profiled, ${s.busyS.toFixed(1)} s on CPU, ${s.idleS.toFixed(1)} s idle\n`);
    console.log('| self time by package | s | of CPU |\n|---|---:|---:|');
    for (const c of s.categories.slice(0, 15)) console.log(`| ${c.what} | ${c.selfS.toFixed(2)} | ${c.ofBusy} |`);
    console.log('\n| hottest functions (self) | s | of CPU |\n|---|---:|---:|');
    for (const c of s.functions) console.log(`| ${c.what.replace(/\|/g, '\\|')} | ${c.selfS.toFixed(2)} | ${c.ofBusy} |`);
    const match = stringArg('match');
    if (match) {
      const re = new RegExp(match);
      console.log(`\n| inclusive time, frames matching /${match}/ | s | of CPU |\n|---|---:|---:|`);
      for (const c of s.inclusive.filter((x) => re.test(x.what)).slice(0, top)) {
        console.log(`| ${c.what.replace(/\|/g, '\\|')} | ${c.totalS.toFixed(2)} | ${c.ofBusy} |`);
      }
    }
  }
}
