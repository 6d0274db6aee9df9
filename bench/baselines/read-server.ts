/**
 * Bare read baseline: Fastify + ioredis, GET /items/:id does one Redis GET of the same key Polaris
 * reads (CACHE_KEY_PREFIX + id) and sends the cached JSON back as it is (404 when absent). No Nest,
 * no validation pipe, no envelope, no parsing. The Redis client has the options that matter for
 * speed set as Polaris's cache client does (auto-pipelining), so the ratio measures Polaris's code,
 * not a client flag.
 */
import Fastify from 'fastify';
import Redis from 'ioredis';
import { env, exitWith } from './lifeline';

const prefix = env('CACHE_KEY_PREFIX');
const redis = new Redis(env('REDIS_URL'), { enableAutoPipelining: true });
const app = Fastify({ logger: false });

app.get('/health', async () => ({ status: 'ok' }));

app.get<{ Params: { id: string } }>('/items/:id', async (req, reply) => {
  const raw = await redis.get(prefix + req.params.id);
  if (raw === null) return reply.code(404).send({ statusCode: 404, message: 'not cached' });
  return reply.type('application/json; charset=utf-8').send(raw);
});

app.listen({ port: Number(env('PORT')), host: '127.0.0.1' }).then(
  () => exitWith(async () => Promise.all([app.close(), redis.quit()])),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
