import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import { redisConfig, RedisConfig } from '@app/config';
import { failFastOptions, redisOptionsFromUrl } from '@app/cache';
import { CheckScheduler } from './check-scheduler.service';
import { QUEUES } from './consistency.queue';

/** The api only produces jobs; the worker consumes them. */
export type QueueRole = 'producer' | 'worker';

/**
 * The BullMQ connection for an app. The api only produces jobs and must never hang a request on
 * an unreachable Redis, so its connection fails fast; the worker's waits Redis out, as BullMQ
 * workers require (`maxRetriesPerRequest: null`).
 */
export function queueConnectionOptions(cfg: Pick<RedisConfig, 'queueUrl' | 'commandTimeoutMs'>, role: QueueRole) {
  return {
    ...redisOptionsFromUrl(cfg.queueUrl),
    connectionName: `polaris-queue-${role}`,
    ...(role === 'producer' ? failFastOptions(cfg.commandTimeoutMs) : { maxRetriesPerRequest: null }),
  };
}

export function queueRootModule(role: QueueRole): DynamicModule {
  return BullModule.forRootAsync({
    inject: [redisConfig.KEY],
    useFactory: (cfg: RedisConfig) => ({ prefix: cfg.queuePrefix, connection: queueConnectionOptions(cfg, role) }),
  });
}

/** Polaris's queues and the producer side: anyone may enqueue checks; only the worker consumes. */
@Module({
  imports: [BullModule.registerQueue({ name: QUEUES.checks }, { name: QUEUES.confirmations })],
  providers: [CheckScheduler],
  exports: [BullModule, CheckScheduler],
})
export class ConsistencyQueueModule {
  private readonly logger = new Logger('Queues');

  constructor(@InjectQueue(QUEUES.checks) checks: Queue, @InjectQueue(QUEUES.confirmations) confirmations: Queue) {
    // An unheard 'error' event would crash the process (e.g. a connection closed while BullMQ still
    // initialises it); a failed enqueue or the health check is what reports an outage.
    for (const queue of [checks, confirmations]) queue.on('error', (err) => this.logger.warn(`queue ${queue.name}: ${err.message}`));
  }
}
