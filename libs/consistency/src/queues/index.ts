export { CheckScheduler } from './check-scheduler.service';
export {
  assertJobHandlers,
  CHECK_JOB_OPTIONS,
  CONFIRM_JOB_OPTIONS,
  confirmJobId,
  detectedBy,
  isKeyCheck,
  isPostWrite,
  JOBS,
  MAX_ITEMS_PER_CHECK_JOB,
  subjectOf,
  QUEUES,
  withinQueueTimeout,
  WORKER_OPTIONS,
} from './consistency.queue';
export type { CheckItem, CheckJob, CheckRequest, CheckTrigger, ConfirmJob, DetectedBy, ItemCheck, KeyCheck } from './consistency.queue';
export { QUEUE_REDIS } from './queue-redis.provider';
export type { QueueRedis } from './queue-redis.provider';
export { queueConnectionOptions, queueRootModule, QueuesModule } from './queues.module';
export type { QueueRole } from './queues.module';
