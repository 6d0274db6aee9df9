import { Processor, WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { ConfirmJob, ConsistencyService, JOBS, Outcome, QUEUES } from '@app/consistency';
import { configureWorker } from './worker-options';

const CONFIRM_CONCURRENCY = 16;

@Processor(QUEUES.confirmations)
export class ConfirmProcessor extends WorkerHost implements OnApplicationBootstrap {
  static readonly handles = [JOBS.confirm];

  constructor(private readonly consistency: ConsistencyService) {
    super();
  }

  onApplicationBootstrap(): void {
    configureWorker(this.worker, CONFIRM_CONCURRENCY);
  }

  async process(job: Job<ConfirmJob>): Promise<Outcome> {
    if (job.name !== JOBS.confirm) throw new Error(`${QUEUES.confirmations} has no handler for job "${job.name}"`);
    return this.consistency.confirm(job.data);
  }
}
