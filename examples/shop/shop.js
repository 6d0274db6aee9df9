#!/usr/bin/env node
'use strict';
// The shop: a small app caching PostgreSQL rows in Redis, cache-aside, with switchable bugs. See README.md.
const Redis = require('ioredis');
const { createPool, ensureDatabase, applySchema, seed, pages } = require('./lib/db');
const { Layout } = require('./lib/layout');
const { Truth } = require('./lib/truth');
const { ShopService, MODES } = require('./lib/shop-service');
const { runLoad, RandomSet, customerItem, orderItem } = require('./lib/load');

const USAGE = `usage:
  node examples/shop/shop.js setup [--reset] [--customers N] [--orders M]
  node examples/shop/shop.js run --mode MODE [--duration S] [--ops N] [--concurrency C] [--truth FILE] [--bug-rate R] [--hot K] [--jitter MS] [--warm] [--flush]
modes: ${MODES.join(', ')}
env: DATABASE_URL (postgres://postgres@127.0.0.1:5432/shop), REDIS_URL (redis://127.0.0.1:6379), KEY_PREFIX (''),
     CACHE_TTL_SECONDS (3600; 0: no TTL)
`;

const FLAGS = ['reset', 'warm', 'flush'];
const OPTIONS = ['customers', 'orders', 'mode', 'duration', 'ops', 'concurrency', 'truth', 'bug-rate', 'hot', 'jitter'];

class UsageError extends Error {}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--')) throw new UsageError(`unexpected argument ${argv[i]}`);
    if (FLAGS.includes(name)) args[name] = true;
    else if (OPTIONS.includes(name) && i + 1 < argv.length) args[name] = argv[++i];
    else throw new UsageError(`unknown or incomplete option ${argv[i]}`);
  }
  return args;
}

function number(args, name, fallback, { min = 0, max = Infinity, integer = true } = {}) {
  if (args[name] === undefined) return fallback;
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name}: bad value ${args[name]}`);
  return n;
}

const print = (summary) => process.stdout.write(`${JSON.stringify(summary)}\n`);

async function setup(args) {
  const customers = number(args, 'customers', 1000);
  const orders = number(args, 'orders', 2000);
  const createdDatabase = await ensureDatabase();
  const pool = createPool(2, 'shop-setup');
  try {
    await applySchema(pool, { reset: Boolean(args.reset) });
    print({ command: 'setup', createdDatabase, reset: Boolean(args.reset), ...(await seed(pool, { customers, orders })) });
  } finally {
    await pool.end();
  }
}

/** Deletes the shop's keys under the prefix (SCAN + DEL). */
async function flush(redis, prefix) {
  const glob = prefix.replace(/[*?[\]\\]/g, '\\$&');
  let deleted = 0;
  for (const pattern of [`${glob}customer:*`, `${glob}order:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return deleted;
}

async function run(args) {
  const mode = args.mode;
  if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}`);
  const durationMs = number(args, 'duration', 60, { min: 0, integer: false }) * 1000;
  const maxOps = number(args, 'ops', Infinity);
  const concurrency = number(args, 'concurrency', 8, { min: 1 });
  const bugRate = number(args, 'bug-rate', 0.2, { max: 1, integer: false });
  const hot = number(args, 'hot', Infinity, { min: 1 });
  const jitterMs = number(args, 'jitter', 0, { integer: false });
  const ttlSeconds = process.env.CACHE_TTL_SECONDS ? Number(process.env.CACHE_TTL_SECONDS) : 3600;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0)
    throw new UsageError(`CACHE_TTL_SECONDS: bad value ${process.env.CACHE_TTL_SECONDS}`);
  const prefix = process.env.KEY_PREFIX ?? '';

  let stopping = null;
  const onSignal = (signal) => {
    if (stopping) process.exit(130); // a second signal: give up waiting
    stopping = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const db = createPool(concurrency + 2, 'shop');
  const sqlConsole = createPool(1, 'shop-sql-console');
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  const truth = new Truth({ file: args.truth, mode });
  const layout = new Layout(prefix);
  const service = new ShopService({ db, sqlConsole, redis, layout, truth, mode, bugRate, ttlSeconds, jitterMs });
  const began = Date.now();
  try {
    const flushed = args.flush ? await flush(redis, prefix) : 0;
    const customers = new RandomSet();
    const orders = new RandomSet();
    for (const [table, set, item, entries] of [
      ['customers', customers, customerItem, (row) => layout.customerEntries(row)],
      ['orders', orders, orderItem, (row) => layout.orderEntries(row)],
    ]) {
      for await (const rows of pages(db, table)) {
        if (stopping) break;
        for (const row of rows) set.add(item(row));
        if (args.warm) await service.warm(rows.flatMap(entries));
      }
    }
    const start = Date.now();
    const stats = await runLoad({
      service,
      customers,
      orders,
      concurrency,
      hot,
      deadline: start + durationMs,
      maxOps,
      shouldStop: () => stopping !== null,
    });
    const durationMsTaken = Date.now() - start;
    await truth.close();
    print({
      command: 'run',
      mode,
      bugRate: mode === 'correct' ? 0 : bugRate,
      concurrency,
      ...(hot < Infinity ? { hot } : {}),
      ...(jitterMs ? { jitterMs } : {}),
      ...stats,
      wrongLogged: truth.wrongLogged,
      fixedLogged: truth.fixedLogged,
      stillWrong: truth.wrongNow(),
      flushed,
      warmed: Boolean(args.warm),
      durationMs: durationMsTaken,
      totalMs: Date.now() - began,
      ...(stopping ? { stoppedBy: stopping } : {}),
    });
  } finally {
    await truth.close().catch(() => {});
    await Promise.allSettled([db.end(), sqlConsole.end(), redis.quit()]);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const args = parseArgs(rest);
  if (command === 'setup') await setup(args);
  else if (command === 'run') await run(args);
  else throw new UsageError(command ? `unknown command ${command}` : 'no command');
}

main().catch((err) => {
  if (err instanceof UsageError) process.stderr.write(`shop: ${err.message}\n${USAGE}`);
  else process.stderr.write(`shop: ${err.stack || err.message}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
