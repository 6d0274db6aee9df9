/**
 * The application's writes for the capture part of the sources benchmark: pgbench (the PostgreSQL
 * client's own load generator, C, one thread per `threads`) running one-row UPDATEs on random rows
 * of bench.accounts from `clients` connections for a fixed time.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLE } from './sources-setup';

export const PGBENCH = process.env.BENCH_PGBENCH ?? 'pgbench';

/** What every transaction does: one UPDATE of one random row, as an application writing a balance. */
export const UPDATE_SCRIPT = `\\set id random(1, :rows)
UPDATE ${TABLE} SET balance = balance + 0.01, updated_at = now() WHERE id = :id;
`;

export function writeScript(dir: string): string {
  const path = join(dir, 'update.sql');
  writeFileSync(path, UPDATE_SCRIPT);
  return path;
}

export interface PgbenchResult {
  tps: number;
  transactions: number;
  failed: number;
  latencyMs: number;
  /** pgbench's report, for the record. */
  report: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((p) => p.kill('SIGKILL')));

/**
 * Runs pgbench for `durationS` (-T; -n: no vacuum of pgbench's own tables; -M prepared), killed
 * after durationS + 60 s whatever happens. `onStart` gets its pid (to follow its CPU).
 */
export function runPgbench(o: {
  url: string;
  script: string;
  rows: number;
  clients: number;
  threads: number;
  durationS: number;
  onStart?: (pid: number) => void;
}): Promise<PgbenchResult> {
  const u = new URL(o.url);
  const args = [
    '-n',
    '-M',
    'prepared',
    '-c',
    String(o.clients),
    '-j',
    String(o.threads),
    '-T',
    String(o.durationS),
    '-f',
    o.script,
    '-D',
    `rows=${o.rows}`,
    '-h',
    u.hostname,
    '-p',
    u.port || '5432',
    '-U',
    decodeURIComponent(u.username || 'postgres'),
    decodeURIComponent(u.pathname.slice(1)),
  ];
  const env = { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) };
  return new Promise((resolve, reject) => {
    const proc = spawn(PGBENCH, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(proc);
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), (o.durationS + 60) * 1000);
    proc.once('spawn', () => o.onStart?.(proc.pid!));
    proc.once('error', (err) => {
      clearTimeout(timer);
      running.delete(proc);
      reject(err);
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(proc);
      const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
      const result: PgbenchResult = {
        tps: num(/^tps = ([\d.]+) \(without initial connection time\)/m),
        transactions: num(/^number of transactions actually processed: (\d+)/m),
        failed: num(/^number of failed transactions: (\d+)/m) || 0,
        latencyMs: num(/^latency average = ([\d.]+) ms/m),
        report: out.trim(),
      };
      if (code !== 0 || !Number.isFinite(result.tps) || !Number.isFinite(result.transactions)) {
        reject(new Error(`pgbench exited (code ${code}, signal ${signal}):\n${out.slice(-3000)}`));
      } else resolve(result);
    });
  });
}

/** pgbench's version line, or null when it is not installed. */
export function pgbenchVersion(): Promise<string | null> {
  return new Promise((resolve) => {
    const proc = spawn(PGBENCH, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.once('error', () => resolve(null));
    proc.once('exit', (code) => resolve(code === 0 ? out.trim() : null));
  });
}

/**
 * The same load without pgbench: `clients` node-pg connections in this process, each running the
 * UPDATE on a random row one after another for `durationS` (named prepared statement, as -M prepared).
 */
export async function runNodeLoad(o: { url: string; rows: number; clients: number; durationS: number }): Promise<PgbenchResult> {
  const { Client } = await import('pg');
  const clients = await Promise.all(
    Array.from({ length: o.clients }, async () => {
      const c = new Client({ connectionString: o.url });
      await c.connect();
      return c;
    }),
  );
  const text = `UPDATE ${TABLE} SET balance = balance + 0.01, updated_at = now() WHERE id = $1`;
  let transactions = 0;
  let failed = 0;
  let latencyTotal = 0;
  const started = performance.now();
  const until = started + o.durationS * 1000;
  try {
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < until) {
          const t = performance.now();
          try {
            await c.query({ name: 'bench-update', text, values: [1 + Math.floor(Math.random() * o.rows)] });
            transactions++;
            latencyTotal += performance.now() - t;
          } catch {
            failed++;
          }
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    tps: transactions / seconds,
    transactions,
    failed,
    latencyMs: latencyTotal / Math.max(1, transactions),
    report: `node-pg load: ${o.clients} clients, ${transactions} transactions in ${seconds.toFixed(2)} s`,
  };
}
