import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@app/testing';
import { ROOT } from './cli';

const OUTPUT_KEPT = 256 * 1024;
const live = new Set<Child>();

/**
 * Every variable Polaris reads (the names in .env.example). They are removed from what the children
 * inherit, so a variable exported in the shell that runs the benchmark cannot change the measurement:
 * each benchmark sets what it means explicitly.
 */
function polarisVariables(): string[] {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  return [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

function childEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  for (const name of polarisVariables()) delete inherited[name];
  delete inherited.NODE_OPTIONS; // e.g. an inspector or a preload a developer left on
  return { ...inherited, ...env };
}

/**
 * Real apps run with an empty working directory: Polaris's ConfigModule reads `.env` from the
 * working directory outside NODE_ENV=test, and a developer's .env must not leak into a benchmark.
 */
let emptyCwd: string | undefined;
function isolatedCwd(): string {
  emptyCwd ??= mkdtempSync(join(tmpdir(), 'polaris-bench-cwd-'));
  return emptyCwd;
}

export interface StartOptions {
  /** A label for logs and errors. */
  name: string;
  /** A built .js file run with plain node, or a .ts file run with ts-node (transpile-only). */
  script: string;
  args?: string[];
  env: Record<string, string>;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory when the process exits. */
  profileDir?: string;
  verbose?: boolean;
  /** Keep stdin open: the bench baselines exit when it closes, so they never outlive the harness. */
  stdinLifeline?: boolean;
  /** Counts output lines containing each substring (e.g. a log event), over the whole run, not just the kept tail. */
  countLines?: Record<string, string>;
}

/** A child process the harness started: its output is kept for error messages, and it is killed if the harness exits. */
export class Child {
  private out = '';
  private partial = '';
  /** Lines seen per StartOptions.countLines key. */
  readonly counts: Record<string, number> = {};
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve({ code, signal });
      }),
    );
  }

  static start(o: StartOptions): Child {
    const nodeArgs: string[] = [];
    if (o.script.endsWith('.ts')) nodeArgs.push('-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register');
    if (o.profileDir) {
      mkdirSync(o.profileDir, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, `--cpu-prof-name=${o.name}-${Date.now()}.cpuprofile`);
    }
    const proc = spawn(process.execPath, [...nodeArgs, o.script, ...(o.args ?? [])], {
      cwd: o.script.endsWith('.ts') ? ROOT : isolatedCwd(),
      env: childEnvironment({ ...o.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') }),
      stdio: [o.stdinLifeline ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const child = new Child(o.name, proc);
    live.add(child);
    for (const k of Object.keys(o.countLines ?? {})) child.counts[k] = 0;
    const countLines = (text: string) => {
      const lines = (child.partial + text).split('\n');
      child.partial = lines.pop()!;
      for (const line of lines) for (const [k, needle] of Object.entries(o.countLines!)) if (line.includes(needle)) child.counts[k]++;
    };
    const keep = (d: Buffer) => {
      if (o.countLines) countLines(d.toString());
      child.out += d.toString();
      if (child.out.length > OUTPUT_KEPT) child.out = child.out.slice(-OUTPUT_KEPT);
      if (o.verbose) process.stderr.write(`[${o.name}] ${d}`);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    proc.stdin?.on('error', () => undefined);
    return child;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  output(): string {
    return this.out;
  }

  /** The last lines of output, for an error message. */
  tail(lines = 30): string {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Throws when the process has exited: a benchmark must not go on measuring nothing. */
  assertRunning(): void {
    if (!this.running) {
      throw new Error(`${this.name} exited (code ${this.exitInfo!.code}, signal ${this.exitInfo!.signal}):\n${this.tail()}`);
    }
  }

  /**
   * SIGTERM (the apps shut down gracefully on it, and a CPU profile is written on a clean exit),
   * then SIGKILL after `timeoutMs`. Resolves once the process is gone.
   */
  async stop(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return this.exitInfo!;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

/** Stops every child still running (in parallel). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop().catch(() => undefined)));
}

process.once('exit', () => {
  for (const c of live) c.proc.kill('SIGKILL');
  if (emptyCwd) rmSync(emptyCwd, { recursive: true, force: true });
});

/** Polls `probe` until it returns a truthy value; fails after `timeoutMs`, or at once when a watched child dies. */
export function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  { timeoutMs = 30_000, intervalMs = 50, watch = [] as Child[] } = {},
): Promise<T> {
  return waitFor(probe, timeoutMs, intervalMs, { what, check: () => watch.forEach((c) => c.assertRunning()) }).catch((err: Error) => {
    throw new Error(`${err.message}${watch.map((c) => `\n--- ${c.name} ---\n${c.tail()}`).join('')}`);
  });
}

/** One HTTP request on loopback; resolves with the status and body. */
export function httpRequest(
  url: string,
  { method = 'GET', body, timeoutMs = 5000 }: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      { method, timeout: timeoutMs, headers: payload === undefined ? {} : { 'content-type': 'application/json' } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Waits until GET `url` answers 200 (a server is listening and ready). */
export function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<true> {
  return waitUntil(`${child.name} ready at ${url}`, async () => (await httpRequest(url, { timeoutMs: 2000 })).status === 200, {
    timeoutMs,
    intervalMs: 100,
    watch: [child],
  });
}
