import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { withTimeout } from '@app/cache';
import { MetricsService } from '@app/metrics';
import { ChangeBacklog } from '../capture';
import { QUEUES } from '../queues';
import { SCRAPE_READ_TIMEOUT_MS } from './health/readiness';

const JOB_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

/** The worker's /metrics: its own counters, plus queue depth and the relay's backlog read at scrape time. */
@Injectable()
export class WorkerMetricsService {
  constructor(
    private readonly metrics: MetricsService,
    private readonly changes: ChangeBacklog,
    @InjectQueue(QUEUES.checks) private readonly checks: Queue,
    @InjectQueue(QUEUES.confirmations) private readonly confirmations: Queue,
  ) {}

  async prometheus(): Promise<string> {
    // A store being away must not hide the rest of the metrics: its gauges keep their last values.
    await Promise.allSettled([
      ...[this.checks, this.confirmations].map(async (q) =>
        this.metrics.setQueueJobs(q.name, await withTimeout(q.getJobCounts(...JOB_STATES), SCRAPE_READ_TIMEOUT_MS)),
      ),
      withTimeout(this.changes.read(), SCRAPE_READ_TIMEOUT_MS).then(({ count, oldest }) =>
        this.metrics.setRelayBacklog(count, oldest ? (Date.now() - oldest.getTime()) / 1000 : 0),
      ),
    ]);
    return this.metrics.prometheus();
  }
}
