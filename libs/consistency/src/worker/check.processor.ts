import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { CheckJob, CheckResult, ConsistencyService, JOBS, QUEUES } from '@app/consistency';
import { OutageRetry, WORKER_OPTIONS } from './worker-options';

@Processor(QUEUES.checks, WORKER_OPTIONS)
export class CheckProcessor extends WorkerHost implements OnApplicationBootstrap {
  static readonly handles = [JOBS.check];

  constructor(
    private readonly consistency: ConsistencyService,
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
    return this.outages.run(() => Promise.all(job.data.items.map((item) => this.consistency.check(item))));
  }
}
