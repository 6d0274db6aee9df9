/**
 * Keeps the benchmark harness (bench/) from rotting: each benchmark's npm script runs with --smoke
 * (tiny data, one 1-second round per side) against the real built api and worker, PostgreSQL and
 * Redis, and must exit 0 and write a results file with the expected shape and a chart. Results go
 * to a temporary directory, never over bench/results. Nothing here asserts performance. The chaos
 * run's scoring rules (bench/lib/chaos-score.ts, pure) are also checked on hand-made ground truth.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../bench/lib/build';
import { Fault, RecordRow, scoreChaos } from '../bench/lib/chaos-score';

const ROOT = join(__dirname, '..');
const RUN_LIMIT_MS = 240_000;

function runScript(script: string, out: string, extra: string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', '--smoke', '--out', out, ...extra], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGINT'), RUN_LIMIT_MS - 10_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const goalShape = { name: expect.any(String), target: expect.any(String), actual: expect.any(Number), met: expect.any(Boolean) };
const httpSide = {
  reqPerSec: expect.any(Number),
  p50Ms: expect.any(Number),
  p99Ms: expect.any(Number),
  worstP99Ms: expect.any(Number),
  requests: expect.any(Number),
};
const httpRound = {
  round: 1,
  side: expect.stringMatching(/^(polaris|baseline)$/),
  reqPerSec: expect.any(Number),
  latencyMs: expect.objectContaining({ p50: expect.any(Number), p99: expect.any(Number) }),
  non2xx: 0,
  errors: 0,
};

describe('benchmark harness (smoke runs)', () => {
  let out: string;

  beforeAll(() => {
    ensureBuilt(); // the benchmarks run dist/: build it when missing or older than the sources
    out = mkdtempSync(join(tmpdir(), 'polaris-bench-smoke-'));
  }, 300_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  /** `sides`: the two sides' names, when a benchmark compares something other than Polaris with a baseline. */
  function results(name: string, sides: [string, string] = ['polaris', 'baseline']): any {
    const json = join(out, `${name}.json`);
    expect(existsSync(json)).toBe(true);
    const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(r).toMatchObject({
      benchmark: name,
      smoke: true,
      machine: expect.objectContaining({ cpus: expect.any(Number), node: process.version }),
      config: expect.objectContaining({ rounds: 1 }),
      [sides[0]]: expect.objectContaining({ what: expect.any(String) }),
      [sides[1]]: expect.objectContaining({ what: expect.any(String) }),
      summary: expect.objectContaining({ ratio: expect.any(Number) }),
    });
    expect(r.summary.ratio).toBeGreaterThan(0);
    expect(r.goals.length).toBeGreaterThan(0);
    for (const g of r.goals) expect(g).toEqual(goalShape);
    expect(r.rounds.map((x: { side: string }) => x.side).sort()).toEqual([...sides].sort());
    return r;
  }

  it(
    'bench:read',
    async () => {
      const run = await runScript('bench:read', out);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      const r = results('read');
      expect(r.summary.polaris).toEqual(httpSide);
      expect(r.summary.baseline).toEqual(httpSide);
      expect(r.polaris.cacheMissesCounted).toBe(0);
      for (const round of r.rounds) expect(round).toMatchObject(httpRound);
    },
    RUN_LIMIT_MS,
  );

  it(
    'bench:write',
    async () => {
      const run = await runScript('bench:write', out);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      const r = results('write');
      expect(r.summary.polaris).toEqual(httpSide);
      expect(r.summary.baseline).toEqual(httpSide);
      for (const round of r.rounds) expect(round).toMatchObject(httpRound);
      const polarisRound = r.rounds.find((x: { side: string }) => x.side === 'polaris');
      expect(polarisRound).toMatchObject({
        changesCaptured: expect.any(Number),
        catchUpS: expect.any(Number),
        transitions: expect.any(Object),
      });
      expect(polarisRound.transitions.confirmed).toBe(0);
    },
    RUN_LIMIT_MS,
  );

  it(
    'bench:checks',
    async () => {
      const run = await runScript('bench:checks', out);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      const r = results('checks');
      for (const side of ['polaris', 'baseline']) {
        expect(r.summary[side]).toEqual({
          jobsPerSec: expect.any(Number),
          secondsMedian: expect.any(Number),
          bootSMedian: expect.any(Number),
          jobs: 300,
        });
      }
      for (const round of r.rounds) expect(round).toMatchObject({ jobs: 300, jobsPerSec: expect.any(Number), failed: 0, anomalies: 0 });
    },
    RUN_LIMIT_MS,
  );

  it(
    'bench:sweep',
    async () => {
      const run = await runScript('bench:sweep', out);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      const r = results('sweep');
      expect(r.summary.baseline).toEqual({ itemsPerSec: expect.any(Number), seconds: expect.any(Number) });
      // rowsPhaseS: a diagnostic timed from /metrics polls, null when a pass is too short to time (a smoke pass).
      expect(r.summary.polaris).toEqual({
        itemsPerSec: expect.any(Number),
        seconds: expect.any(Number),
        rowsPhaseS: r.summary.polaris.rowsPhaseS,
      });
      expect(r.summary.polaris.rowsPhaseS === null || typeof r.summary.polaris.rowsPhaseS === 'number').toBe(true);
      // Every Polaris pass finds every injected mismatch (stale entries and orphan keys); the bare loop the stale ones.
      const { stale, orphans } = r.config;
      for (const round of r.rounds) expect(round.mismatches).toBe(round.side === 'polaris' ? stale + orphans : stale);
    },
    RUN_LIMIT_MS,
  );

  it(
    'bench:audit',
    async () => {
      const run = await runScript('bench:audit', out);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      const r = results('audit', ['audit', 'sweeper']);
      // Phase splits are timed from outside: null when a smoke pass is too short to time.
      const timed = (s: Record<string, unknown>) => {
        for (const k of ['rowsPhaseS', 'keysPhaseS']) expect(s[k] === null || typeof s[k] === 'number').toBe(true);
        return { rowsPerSec: expect.any(Number), seconds: expect.any(Number), rowsPhaseS: s.rowsPhaseS, keysPhaseS: s.keysPhaseS };
      };
      expect(r.summary.sweeper).toEqual(timed(r.summary.sweeper));
      expect(r.summary.audit).toEqual({ ...timed(r.summary.audit), wallS: expect.any(Number), bootS: expect.any(Number) });
      // The run fails unless every audit reported exactly the injected keys; the sweeper counts them.
      const { items, stale, orphans } = r.config;
      for (const round of r.rounds) expect(round).toMatchObject({ rows: items, mismatches: stale + orphans });
      const audit = r.rounds.find((x: { side: string }) => x.side === 'audit');
      expect(audit.report).toMatchObject({ source: 'items', rows: items, keysScanned: items + orphans, uncomparable: 0 });
      expect(audit.report.inconsistent).toMatchObject({ stale, orphan: orphans });
      expect(audit.wallS).toBeGreaterThan(audit.seconds);
    },
    RUN_LIMIT_MS,
  );

  // --cluster: the single-node rounds, then the same on a private 3-master Redis Cluster (~15 s each).
  it(
    'bench:checks --cluster',
    async () => {
      const clusterOut = join(out, 'cluster');
      const run = await runScript('bench:checks', clusterOut, ['--cluster']);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      const r = JSON.parse(readFileSync(join(clusterOut, 'checks-cluster.json'), 'utf8'));
      expect(r.config.cluster).toMatchObject({ masters: 3, queues: 'on the cluster' });
      expect(r.summary).toMatchObject({ ratio: expect.any(Number), singleNodeOverCluster: expect.any(Number) });
      expect(r.goals).toEqual([goalShape, goalShape]);
      for (const round of r.rounds) expect(round).toMatchObject({ jobs: 300, jobsPerSec: expect.any(Number), failed: 0, anomalies: 0 });
      expect(existsSync(join(clusterOut, 'checks-cluster.svg'))).toBe(true);
    },
    RUN_LIMIT_MS,
  );

  it(
    'bench:sweep --cluster',
    async () => {
      const clusterOut = join(out, 'cluster');
      const run = await runScript('bench:sweep', clusterOut, ['--cluster']);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      const r = JSON.parse(readFileSync(join(clusterOut, 'sweep-cluster.json'), 'utf8'));
      expect(r.config.cluster).toMatchObject({ masters: 3 });
      expect(r.summary).toMatchObject({ ratio: expect.any(Number), clusterOverSingleNode: expect.any(Number) });
      expect(r.goals).toEqual([goalShape, goalShape]);
      const { stale, orphans } = r.config;
      for (const round of r.rounds) expect(round.mismatches).toBe(round.side === 'polaris' ? stale + orphans : stale);
      expect(existsSync(join(clusterOut, 'sweep-cluster.svg'))).toBe(true);
    },
    RUN_LIMIT_MS,
  );

  it(
    'bench:chaos, scored against its ground truth',
    async () => {
      const run = await runScript('bench:chaos', out);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      const svg = readFileSync(join(out, 'chaos.svg'), 'utf8');
      expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const r = JSON.parse(readFileSync(join(out, 'chaos.json'), 'utf8'));
      expect(r).toMatchObject({ benchmark: 'chaos', smoke: true });
      for (const g of r.goals) expect(g).toEqual(goalShape);
      // Correctness holds even in a smoke run; latency goals are reported, not asserted, on a busy machine.
      expect(r.summary).toMatchObject({ recall: 1, falseConfirmations: 0, blipsConfirmed: 0, wrongKind: 0 });
      expect(r.summary.persistentInjected).toBeGreaterThanOrEqual(10);
      expect(r.summary.api.requests).toBeGreaterThan(0);
      expect(r.summary.api.errors).toBe(0);
    },
    RUN_LIMIT_MS,
  );

  it(
    'bench:sources',
    async () => {
      const run = await runScript('bench:sources', out);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      expect(readFileSync(join(out, 'sources.svg'), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const r = JSON.parse(readFileSync(join(out, 'sources.json'), 'utf8'));
      expect(r).toMatchObject({ benchmark: 'sources', smoke: true });
      for (const g of r.goals) expect(g).toEqual(goalShape);
      for (const format of ['json', 'hash', 'string']) {
        expect(r.summary.sweep[format]).toMatchObject({
          polaris: expect.objectContaining({ seconds: expect.any(Number) }),
          baseline: expect.objectContaining({ seconds: expect.any(Number) }),
          ratio: expect.any(Number),
        });
      }
      expect(r.summary.capture).toMatchObject({ ratio: expect.any(Number) });
    },
    RUN_LIMIT_MS,
  );

  it(
    'bench:sources-chaos',
    async () => {
      const run = await runScript('bench:sources-chaos', out);
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
      expect(readFileSync(join(out, 'sources-chaos.svg'), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const r = JSON.parse(readFileSync(join(out, 'sources-chaos.json'), 'utf8'));
      expect(r).toMatchObject({ benchmark: 'sources-chaos', smoke: true });
      for (const g of r.goals) expect(g).toEqual(goalShape);
      expect(r.modes.map((m: { mode: string }) => m.mode)).toEqual(['correct', 'stale-set', 'forget-old-key', 'skip-invalidate', 'sql']);
      // Correctness holds even in a smoke run: nothing confirmed that was not wrong, nothing at all in correct mode.
      for (const m of r.modes) expect(m.score.falseConfirmations).toEqual([]);
      expect(r.modes[0].score.records).toBe(0);
    },
    RUN_LIMIT_MS,
  );
});

/** The chaos run's verdict is only as good as its scoring rules: these pin them down on hand-made ground truth. */
describe('chaos scoring (bench/lib/chaos-score.ts)', () => {
  const T = 1_000_000;
  const fault = (itemId: string, kind: Fault['kind'], onsetMs = T): Fault => ({ itemId, kind, onsetMs });
  const record = (itemId: string, kind: string, detectedBy: string, detectedS: number, confirmedS: number): RecordRow => ({
    itemId,
    kind,
    detectedBy,
    firstDetectedAtMs: T + detectedS * 1000,
    confirmedAtMs: T + confirmedS * 1000,
  });

  it('counts a persistent fault as caught only when confirmed after its onset, with the kind it must produce', () => {
    const faults = [fault('a', 'skip'), fault('b', 'external'), fault('c', 'corrupt'), fault('d', 'orphan'), fault('e', 'delay')];
    const score = scoreChaos(faults, [
      record('a', 'stale', 'write', 0.1, 2.1),
      record('b', 'stale', 'change', 0.01, 2),
      record('c', 'stale', 'sweep', 1, 3), // caught, but recorded as the wrong kind
      record('d', 'orphan', 'sweep', -10, -8), // confirmed before the fault began: not this fault's record
    ]);
    expect(score.persistentInjected).toBe(5);
    expect(score.persistentConfirmed).toBe(3);
    expect(score.recall).toBeCloseTo(3 / 5);
    expect(score.missed.map((f) => f.itemId).sort()).toEqual(['d', 'e']);
    expect(score.wrongKind).toEqual([{ fault: faults[2], kind: 'stale' }]);
    expect(score.falseConfirmations).toEqual([]);
  });

  it('a record on an item with no fault is a false confirmation; on a blipped item a blip confirmed', () => {
    const score = scoreChaos(
      [fault('a', 'skip'), fault('blipped', 'blip')],
      [record('a', 'stale', 'write', 0.1, 2.1), record('hot', 'stale', 'write', 1, 3), record('blipped', 'stale', 'write', 0.1, 2.1)],
    );
    expect(score.recall).toBe(1);
    expect(score.falseConfirmations.map((r) => r.itemId)).toEqual(['hot']);
    expect(score.blipsConfirmed).toBe(1);
    expect(score.injected).toEqual({ skip: 1, delay: 0, external: 0, corrupt: 0, orphan: 0, blip: 1 });
  });

  it('uses the first confirmed record per item (a later one, after a self-heal, is a duplicate) and splits latency by trigger and origin', () => {
    const score = scoreChaos(
      [fault('a', 'skip'), fault('b', 'delay'), fault('c', 'corrupt')],
      [
        record('a', 'stale', 'write', 0.1, 2.1),
        record('a', 'stale', 'sweep', 9, 11), // reopened after the first was resolved
        record('b', 'stale', 'sweep', 1, 3), // a sweep got there before the post-write check
        record('c', 'corrupt', 'sweep', 4, 6),
      ],
    );
    expect(score.recall).toBe(1);
    expect(score.duplicateRecords).toBe(1);
    expect(score.detection).toEqual({
      sweep: { n: 2, p50S: 1, p99S: 4, maxS: 4 },
      write: { n: 1, p50S: 0.1, p99S: 0.1, maxS: 0.1 },
    });
    expect(score.confirmation.write).toEqual({ n: 1, p50S: 2.1, p99S: 2.1, maxS: 2.1 });
    expect(score.confirmationByOrigin).toEqual({
      written: { n: 2, p50S: 2.1, p99S: 3, maxS: 3 },
      unannounced: { n: 1, p50S: 6, p99S: 6, maxS: 6 },
    });
  });

  it('no faults and no records: recall 1, nothing false', () => {
    const score = scoreChaos([], []);
    expect(score).toMatchObject({ recall: 1, persistentInjected: 0, blipsConfirmed: 0, duplicateRecords: 0 });
    expect(score.confirmationByOrigin.written.n).toBe(0);
  });
});
