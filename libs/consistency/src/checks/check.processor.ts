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

  /** Checks every item of the job; concurrent jobs' items are coalesced into shared batched reads. */
  async process(job: Job<CheckJob>): Promise<CheckResult[]> {
    if (job.name !== JOBS.check) throw new Error(`${QUEUES.checks} has no handler for job "${job.name}"`);
    return this.outages.run(() => Promise.all(job.data.items.map((item) => this.checks.check(item))));
  }
}
