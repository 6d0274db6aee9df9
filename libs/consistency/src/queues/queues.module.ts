import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import { OutageLog, redisConfig, RedisConfig } from '@app/config';
import { failFastOptions, reconnectDelay, redisOptionsFromUrl } from '@app/cache';
import { CheckScheduler } from './check-scheduler.service';
import { QUEUES } from './consistency.queue';
import { QueueRedis } from './queue-redis.provider';

/** The api only produces jobs; the worker consumes them. */
export type QueueRole = 'producer' | 'worker';

/**
 * The BullMQ connection for an app. The api only produces jobs and must never hang a request on
 * an unreachable Redis, so its connection fails fast; the worker's waits Redis out, as BullMQ
 * workers require (`maxRetriesPerRequest: null`). Both reconnect at least every second (BullMQ's own
 * backoff grows to 20 s, which kept a worker idle that long after Redis came back).
 */
export function queueConnectionOptions(cfg: Pick<RedisConfig, 'queueUrl' | 'commandTimeoutMs'>, role: QueueRole) {
  return {
    ...redisOptionsFromUrl(cfg.queueUrl),
    connectionName: `polaris-queue-${role}`,
    ...(role === 'producer' ? failFastOptions(cfg.commandTimeoutMs) : { maxRetriesPerRequest: null, retryStrategy: reconnectDelay }),
  };
}

export function queueRootModule(role: QueueRole): DynamicModule {
  return BullModule.forRootAsync({
    inject: [redisConfig.KEY],
    useFactory: (cfg: RedisConfig) => ({ prefix: cfg.queuePrefix, connection: queueConnectionOptions(cfg, role) }),
  });
}

/**
 * Polaris's queues, the Redis that holds them with Polaris's bookkeeping, and the producer side:
 * anyone may enqueue checks; only the worker consumes (see checks/). An app adds its connection
 * with queueRootModule(role).
 */
@Module({
  imports: [BullModule.registerQueue({ name: QUEUES.checks }, { name: QUEUES.confirmations })],
  providers: [QueueRedis, CheckScheduler],
  exports: [BullModule, QueueRedis, CheckScheduler],
})
export class QueuesModule {
  constructor(@InjectQueue(QUEUES.checks) checks: Queue, @InjectQueue(QUEUES.confirmations) confirmations: Queue) {
    // An unheard 'error' event would crash the process (e.g. a connection closed while BullMQ still
    // initialises it). Logged once per outage; a failed enqueue or the health check reports the rest.
    for (const queue of [checks, confirmations]) {
      const outage = new OutageLog(new Logger('Queues'), 'queue.connection_failed', `queue ${queue.name}`);
      queue.on('error', (err) => outage.failed(err));
      queue.on('waiting', () => outage.ok());
    }
  }
}
