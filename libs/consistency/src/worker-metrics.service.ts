import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { MetricsService } from '@app/metrics';
import { QUEUES } from './consistency.queue';
import { ItemChangesRepository } from './item-changes.repository';

const JOB_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

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
    await Promise.all([
      ...[this.checks, this.confirmations].map(async (q) => this.metrics.setQueueJobs(q.name, await q.getJobCounts(...JOB_STATES))),
      this.changes
        .backlog()
        .then(({ count, oldest }) => this.metrics.setRelayBacklog(count, oldest ? (Date.now() - oldest.getTime()) / 1000 : 0)),
    ]).catch(() => undefined); // a store being away must not hide the rest of the metrics
    return this.metrics.prometheus();
  }
}
