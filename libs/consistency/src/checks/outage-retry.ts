import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { OutageLog } from '@app/config';
import { isRedisUnavailable, reconnectDelay } from '@app/cache';
import { isDatabaseUnavailable } from '@app/database';
import { MetricsService } from '@app/metrics';

/** True when an error means PostgreSQL or Redis is away, not that the job itself is bad. */
export function isOutage(err: unknown): boolean {
  return isDatabaseUnavailable(err) || isRedisUnavailable(err);
}

/** The worker is stopping while the work waits out an outage: the job goes back to the queue. */
class StoppedDuringOutage extends Error {}

/** When a job handed back at shutdown runs again. */
const HANDED_BACK_DELAY_MS = 1000;

/**
 * Jobs wait out outages: work that fails because PostgreSQL or Redis is away is retried in place
 * (at least every second) until the store is back, so no attempt is spent and no check ends in the
 * failed set however long the outage. When the worker stops meanwhile, the job is handed back to
 * the delayed set instead (still no attempt spent, unless the queue's Redis cannot even take it
 * back). Other errors fail the attempt as usual (counted in `polaris_check_errors_total`; BullMQ
 * retries it, then moves the job to the failed set). The worker's connection errors are logged once
 * per outage, not once per reconnect.
 */
@Injectable()
export class OutageRetry implements BeforeApplicationShutdown {
  private stopping = false;

  constructor(private readonly metrics: MetricsService) {}

  /** Runs a job's work, handing the job back to the delayed set if the worker stops during an outage. */
  async job<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof StoppedDuringOutage)) this.metrics.checkFailed(job.queueName);
      if (!(err instanceof StoppedDuringOutage) || !token) throw err;
      await job.moveToDelayed(Date.now() + HANDED_BACK_DELAY_MS, token);
      throw new DelayedError();
    }
  }

  /** Runs one piece of a job's work until no outage stops it (see job()). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (!isOutage(err)) throw err;
        if (!this.stopping) await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)));
        if (this.stopping) throw new StoppedDuringOutage((err as Error).message);
      }
    }
  }

  /** Sets a processor's concurrency and routes its connection errors to the log, once per outage. */
  configure(worker: Worker, concurrency: number): void {
    const outage = new OutageLog(new Logger('Workers'), 'worker.connection_failed', `worker ${worker.name}`);
    worker.concurrency = concurrency;
    worker.on('error', (err) => outage.failed(err));
    for (const working of ['active', 'drained'] as const) worker.on(working, () => outage.ok());
  }

  /** Before the workers close: in-flight jobs stop waiting, so shutdown does not wait for the outage. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }
}
