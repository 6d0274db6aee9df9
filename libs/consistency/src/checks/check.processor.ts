import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { CheckJob, JOBS, QUEUES, WORKER_OPTIONS } from '../queues';
import { CheckResult, CheckService } from './check.service';
import { OutageRetry } from './outage-retry';

@Processor(QUEUES.checks, WORKER_OPTIONS)
export class CheckProcessor extends WorkerHost implements OnApplicationBootstrap {
  static readonly handles = [JOBS.check];

  constructor(
    private readonly checks: CheckService,
    private readonly outages: OutageRetry,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Many jobs in flight at once is what lets the service coalesce them into batched reads.
    this.outages.configure(this.worker, this.cfg.checkConcurrency);
  }

  /**
   * Checks every item of the job; concurrent jobs' items are coalesced into shared batched reads.
   * Each item waits out an outage on its own, so the items that were checked are not checked (and
   * sampled) again.
   */
  async process(job: Job<CheckJob>, token?: string): Promise<CheckResult[]> {
    if (job.name !== JOBS.check) throw new Error(`${QUEUES.checks} has no handler for job "${job.name}"`);
    return this.outages.job(job, token, () => Promise.all(job.data.items.map((item) => this.outages.run(() => this.checks.check(item)))));
  }
}
