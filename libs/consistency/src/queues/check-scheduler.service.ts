import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { redisConfig, RedisConfig } from '@app/config';
import {
  CHECK_JOB_OPTIONS,
  CheckItem,
  CheckJob,
  CheckRequest,
  CheckTrigger,
  JOBS,
  MAX_ITEMS_PER_CHECK_JOB,
  QUEUES,
  withinQueueTimeout,
} from './consistency.queue';

/** Queues checks in bulk (from the change relay, the sweeper, and on operator request): one job per batch of items. */
@Injectable()
export class CheckScheduler {
  constructor(
    @InjectQueue(QUEUES.checks) private readonly checks: Queue<CheckJob>,
    @Inject(redisConfig.KEY) private readonly redis: RedisConfig,
  ) {}

  /**
   * Groups the checks by delay into jobs of at most MAX_ITEMS_PER_CHECK_JOB items. With `dedupeKey`
   * the job ids derive from it, so the same batch scheduled twice (a relay retry) is queued once.
   */
  async schedule(requests: readonly CheckRequest[], dedupeKey?: string): Promise<void> {
    const byDelay = new Map<number, CheckItem[]>();
    for (const { delayMs = 0, ...item } of requests) {
      const items = byDelay.get(delayMs) ?? [];
      items.push(item);
      byDelay.set(delayMs, items);
    }
    const jobs = [...byDelay].flatMap(([delay, items]) =>
      chunks(items, MAX_ITEMS_PER_CHECK_JOB).map((chunk, i) => ({
        name: JOBS.check,
        data: { items: chunk },
        opts: { ...CHECK_JOB_OPTIONS, ...(delay ? { delay } : {}), ...(dedupeKey ? { jobId: `${dedupeKey}-${delay}-${i}` } : {}) },
      })),
    );
    if (jobs.length === 0) return;
    await withinQueueTimeout(this.checks.addBulk(jobs), this.redis);
  }

  enqueue(itemIds: readonly string[], trigger: CheckTrigger): Promise<void> {
    return this.schedule(itemIds.map((itemId) => ({ itemId, trigger })));
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
