import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { CheckJob, ConsistencyService, JOBS, Outcome, QUEUES } from '@app/consistency';
import { configureWorker } from './worker-options';

@Processor(QUEUES.checks)
export class CheckProcessor extends WorkerHost implements OnApplicationBootstrap {
  static readonly handles = [JOBS.check];

  constructor(
    private readonly consistency: ConsistencyService,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Many jobs in flight at once is what lets the service coalesce them into batched reads.
    configureWorker(this.worker, this.cfg.checkConcurrency);
  }

  /** Checks every item of the job; concurrent jobs' items are coalesced into shared batched reads. */
  async process(job: Job<CheckJob>): Promise<Outcome[]> {
    if (job.name !== JOBS.check) throw new Error(`${QUEUES.checks} has no handler for job "${job.name}"`);
    return Promise.all(job.data.items.map((item) => this.consistency.check(item)));
  }
}
