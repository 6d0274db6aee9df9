import { Processor, WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { ConfirmJob, JOBS, QUEUES, WORKER_OPTIONS } from '../queues';
import { CheckResult, CheckService } from './check.service';
import { OutageRetry } from './outage-retry';

const CONFIRM_CONCURRENCY = 16;

@Processor(QUEUES.confirmations, WORKER_OPTIONS)
export class ConfirmProcessor extends WorkerHost implements OnApplicationBootstrap {
  static readonly handles = [JOBS.confirm];

  constructor(
    private readonly checks: CheckService,
    private readonly outages: OutageRetry,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.outages.configure(this.worker, CONFIRM_CONCURRENCY);
  }

  async process(job: Job<ConfirmJob>, token?: string): Promise<CheckResult> {
    if (job.name !== JOBS.confirm) throw new Error(`${QUEUES.confirmations} has no handler for job "${job.name}"`);
    return this.outages.job(job, token, () => this.outages.run(() => this.checks.confirm(job.data)));
  }
}
