import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { redisOptionsFromUrl } from '@app/cache';
import { queueConnectionOptions, QUEUES } from '@app/consistency';
import { TEST_REDIS } from '@app/testing';

/**
 * Closing an app while its queue connections are still starting must not crash the process.
 * BullMQ 5 emitted the in-flight version check's failure after close() had removed every listener,
 * an unhandled 'error' that failed a CI run; this closes the api's own producer connection at
 * moments spread over its start-up, many times, and counts what escapes.
 */
describe('queue connections closed while starting', () => {
  const prefix = `polaris-test-shutdown-${randomUUID()}`;
  const escaped: unknown[] = [];
  const record = (err: unknown) => escaped.push(err);

  beforeAll(() => {
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });

  afterAll(async () => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
    const redis = new Redis(TEST_REDIS);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('lets nothing escape when the api closes its producer connection at any moment of its start', async () => {
    const connection = {
      ...redisOptionsFromUrl(TEST_REDIS),
      ...queueConnectionOptions({ queue: { kind: 'single', url: TEST_REDIS }, commandTimeoutMs: 1000 }, 'producer'),
    };
    for (let i = 0; i < 200; i++) {
      const queue = new Queue(QUEUES.checks, { prefix, connection });
      queue.on('error', () => undefined); // as ConsistencyQueueModule does
      await new Promise((resolve) => setTimeout(resolve, (i % 20) / 10));
      await queue.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // let late rejections surface
    expect(escaped.map(String)).toEqual([]);
  });
});
