import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { withTimeout } from '@app/cache';
import { MetricsService } from '@app/metrics';
import { QUEUES } from './consistency.queue';
import { ItemChangesRepository } from './item-changes.repository';

const JOB_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;
/** A scrape-time read that takes longer is skipped: /metrics answers within a second, whatever is down. */
export const SCRAPE_READ_TIMEOUT_MS = 500;

/** The worker's /metrics: its own counters, plus queue depth and the relay's backlog read at scrape time. */
@Injectable()
export class WorkerMetricsService {
  constructor(
    private readonly metrics: MetricsService,
    private readonly changes: ItemChangesRepository,
    @InjectQueue(QUEUES.checks) private readonly checks: Queue,
    @InjectQueue(QUEUES.confirmations) private readonly confirmations: Queue,
  ) {}

  async prometheus(): Promise<string> {
    // A store being away must not hide the rest of the metrics: its gauges keep their last values.
    await Promise.allSettled([
      ...[this.checks, this.confirmations].map(async (q) =>
        this.metrics.setQueueJobs(q.name, await withTimeout(q.getJobCounts(...JOB_STATES), SCRAPE_READ_TIMEOUT_MS)),
      ),
      withTimeout(this.changes.backlog(), SCRAPE_READ_TIMEOUT_MS).then(({ count, oldest }) =>
        this.metrics.setRelayBacklog(count, oldest ? (Date.now() - oldest.getTime()) / 1000 : 0),
      ),
    ]);
    return this.metrics.prometheus();
  }
}
