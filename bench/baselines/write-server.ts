/**
 * Bare write baseline: Fastify + pg + ioredis. PUT /items/:id runs one
 *   UPDATE <table> SET value = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING …
 * on a plain copy of `items` (same columns, constraints and primary key, NO change-capture trigger),
 * then one Redis SET of the item's JSON with the same TTL, and answers {data: item}. No Nest, no DTO
 * validation, no compare-and-set script, no change log. Pool size and Redis client options as Polaris's.
 */
import Fastify from 'fastify';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { env, exitWith } from './lifeline';

const table = env('BASELINE_TABLE');
if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`bad BASELINE_TABLE ${table}`);
const prefix = env('CACHE_KEY_PREFIX');
const ttl = Number(env('CACHE_TTL_SECONDS'));
// The bench seeds its tables beside Polaris's, in the polaris schema.
const pool = new Pool({
  connectionString: env('POSTGRES_URL'),
  max: Number(env('PG_POOL_SIZE', '10')),
  options: '-c search_path=polaris,public',
});
const redis = new Redis(env('REDIS_URL'), { enableAutoPipelining: true });
const app = Fastify({ logger: false });
const sql = `UPDATE ${table} SET value = $2, version = version + 1, updated_at = now() WHERE id = $1
             RETURNING id, name, value, version, created_at, updated_at`;

app.get('/health', async () => ({ status: 'ok' }));

app.put<{ Params: { id: string }; Body: { value?: unknown } }>('/items/:id', async (req, reply) => {
  const value = req.body?.value;
  if (value === undefined || value === null) return reply.code(400).send({ statusCode: 400, message: 'value is required' });
  const { rows } = await pool.query(sql, [req.params.id, JSON.stringify(value)]);
  if (rows.length === 0) return reply.code(404).send({ statusCode: 404, message: 'not found' });
  const r = rows[0];
  const item = {
    id: r.id,
    name: r.name,
    value: r.value,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
  await redis.set(prefix + item.id, JSON.stringify(item), 'EX', ttl);
  return { data: item };
});

app.listen({ port: Number(env('PORT')), host: '127.0.0.1' }).then(
  () => exitWith(async () => Promise.all([app.close(), pool.end(), redis.quit()])),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
