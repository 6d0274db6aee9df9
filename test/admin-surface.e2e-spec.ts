import { request as httpRequest } from 'node:http';
import { TestContext } from '@app/testing';

const TOKEN = 'admin-surface-token-0123456789';
const ITEM = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';

/** Every admin route: the queue board (served by Fastify outside Nest's router) and the debug routes. */
const ADMIN_ROUTES: [string, string][] = [
  ['GET', '/queues'],
  ['GET', '/queues/api/queues'],
  ['GET', '/queues/api/redis/stats'],
  ['PUT', '/queues/api/queues/checks/pause'],
  ['PUT', '/queues/api/queues/confirmations/pause'],
  ['POST', `/items/debug/check/${ITEM}`],
  ['POST', `/items/debug/refresh/${ITEM}`],
];

const encodeChar = (c: string) => `%${c.charCodeAt(0).toString(16)}`;

/** Spellings of `path` that a lenient router, proxy or client may treat as the same path. */
function spellings(path: string): string[] {
  const [first, ...rest] = path.slice(1).split('/');
  const tail = rest.length ? `/${rest.join('/')}` : '';
  return [
    path,
    `/${encodeChar(first[0])}${first.slice(1)}${tail}`, // /%71ueues
    `/${encodeChar(first[0]).toUpperCase()}${first.slice(1)}${tail}`, // upper-case hex
    `/${[...first].map(encodeChar).join('')}${tail}`, // every letter encoded
    `/%25${encodeChar(first[0]).slice(1)}${first.slice(1)}${tail}`, // double-encoded: %2571
    `/${first}${rest.map((s) => `/${[...s].map(encodeChar).join('')}`).join('')}`, // the rest encoded
    `/${first.toUpperCase()}${tail}`,
    `/${first[0].toUpperCase()}${first.slice(1)}${tail.toUpperCase()}`,
    `//${first}${tail}`,
    `/${first}/${tail}`,
    `/${first}/.${tail}`,
    `/elsewhere/../${first}${tail}`,
    `/${first}%2f${tail.slice(1)}`,
    `/${first};jsessionid=1${tail}`,
    `/${first}${tail};a=b`,
    `${path}/`,
    `${path}?x=1`,
    `${path}#frag`,
  ].filter((s, i, all) => all.indexOf(s) === i);
}

/**
 * The admin surface under NODE_ENV=production: no spelling of any admin path (percent-encodings,
 * double slashes, case changes, dot segments, `;` parameters) reaches it without the token. Sent over
 * a real socket, byte for byte, so no client library normalises the path first.
 */
describe('admin surface: every spelling of every admin route needs the token in production', () => {
  let ctx: TestContext;
  let port: number;

  beforeAll(async () => {
    ctx = await TestContext.create('admin_surface', { LOG_LEVEL: 'error' });
  });

  afterAll(() => ctx.close());

  async function restartApi(vars: Record<string, string>): Promise<void> {
    await ctx.api?.close();
    ctx.configure({ NODE_ENV: 'production', ADMIN_TOKEN: '', LOG_LEVEL: 'error', ...vars });
    await ctx.startApi();
    port = Number(new URL(await ctx.listenApi()).port);
  }

  function send(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const paused = async (queue: string) => ctx.redis.hget(`${ctx.queuePrefix}:${queue}:meta`, 'paused');

  it.each([
    ['without ADMIN_TOKEN: 403 for everyone', {}, 403, [{}, { authorization: `Bearer ${TOKEN}` }]],
    ['with ADMIN_TOKEN: 401 without it or with a wrong one', { ADMIN_TOKEN: TOKEN }, 401, [{}, { authorization: `Bearer ${TOKEN}x` }]],
  ] as const)('%s', async (_, vars, expected, headerSets) => {
    await restartApi(vars);
    const answers: string[] = [];
    for (const [method, path] of ADMIN_ROUTES)
      for (const spelling of spellings(path))
        for (const headers of headerSets) {
          const res = await send(method, spelling, headers);
          if (res.status !== expected)
            answers.push(`${method} ${spelling} ${JSON.stringify(headers)} -> ${res.status} ${res.body.slice(0, 80)}`);
        }
    expect(answers).toEqual([]);
    expect(await paused('checks')).toBeNull();
    expect(await paused('confirmations')).toBeNull();
  });

  it('an admin with the token reaches the board however the path is spelled', async () => {
    await restartApi({ ADMIN_TOKEN: TOKEN });
    const admin = { authorization: `Bearer ${TOKEN}` };
    expect((await send('GET', '/%71ueues/api/queues', admin)).status).toBe(200);
    expect((await send('GET', '/queues/api/queues', admin)).status).toBe(200);
    expect(await paused('checks')).toBeNull();
  });
});
