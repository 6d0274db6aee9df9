import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Cluster } from 'ioredis';
import { OutageLog, redisConfig, RedisConfig, RedisTarget } from '@app/config';
import { createRedisClient, failFastOptions, reconnectDelay, redisOptionsFromUrl } from '@app/cache';
import { CheckScheduler } from './check-scheduler.service';
import { QUEUES } from './consistency.queue';
import { queueRedisProvider, QueueRedisShutdown } from './queue-redis.provider';

/** The api only produces jobs; the worker consumes them. */
export type QueueRole = 'producer' | 'worker';

/**
 * The BullMQ connection options for an app. The api only produces jobs and must never hang a request
 * on an unreachable Redis, so its connection fails fast; the worker's waits Redis out, as BullMQ
 * workers require (`maxRetriesPerRequest: null`). Both reconnect at least every second (BullMQ's own
 * backoff grows to 20 s, which kept a worker idle that long after Redis came back).
 */
export function queueConnectionOptions(cfg: { queue: RedisTarget; commandTimeoutMs: number }, role: QueueRole) {
  return {
    connectionName: `polaris-queue-${role}`,
    ...(role === 'producer' ? failFastOptions(cfg.commandTimeoutMs) : { maxRetriesPerRequest: null, retryStrategy: reconnectDelay }),
  };
}

/**
 * BullMQ's connection: options for one node (BullMQ opens its own clients), or, on a cluster, a
 * Cluster client, which BullMQ shares and duplicates but never closes: this closes it.
 */
@Injectable()
export class QueueConnection implements OnApplicationShutdown {
  private cluster?: Cluster;

  constructor(@Inject(redisConfig.KEY) private readonly cfg: RedisConfig) {}

  for(role: QueueRole) {
    const options = queueConnectionOptions(this.cfg, role);
    if (this.cfg.queue.kind === 'single') return { ...redisOptionsFromUrl(this.cfg.queue.url), ...options };
    this.cluster ??= createRedisClient(this.cfg.queue, options) as Cluster;
    return this.cluster;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cluster?.quit().catch(() => this.cluster?.disconnect());
  }
}

@Module({ providers: [QueueConnection], exports: [QueueConnection] })
class QueueConnectionModule {}

export function queueRootModule(role: QueueRole): DynamicModule {
  return BullModule.forRootAsync({
    imports: [QueueConnectionModule],
    inject: [redisConfig.KEY, QueueConnection],
    useFactory: (cfg: RedisConfig, connection: QueueConnection) => ({ prefix: cfg.queuePrefix, connection: connection.for(role) }),
  });
}

/**
 * Polaris's queues, the Redis that holds them with Polaris's bookkeeping, and the producer side:
 * anyone may enqueue checks; only the worker consumes (see checks/). An app adds its connection
 * with queueRootModule(role).
 */
@Module({
  imports: [BullModule.registerQueue({ name: QUEUES.checks }, { name: QUEUES.confirmations })],
  providers: [queueRedisProvider, QueueRedisShutdown, CheckScheduler],
  exports: [BullModule, queueRedisProvider, CheckScheduler],
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
