import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { Worker } from 'bullmq';
import { OutageLog } from '@app/config';
import { isRedisUnavailable, reconnectDelay } from '@app/cache';
import { isDatabaseUnavailable } from '@app/database';

/** True when an error means PostgreSQL or Redis is away, not that the job itself is bad. */
export function isOutage(err: unknown): boolean {
  return isDatabaseUnavailable(err) || isRedisUnavailable(err);
}

/**
 * Jobs wait out outages: work that fails because PostgreSQL or Redis is away is retried in place
 * (at least every second) until the store is back, so no attempt is spent and no check ends in the
 * failed set however long the outage. Other errors fail the job as usual. The worker's connection
 * errors are logged once per outage, not once per reconnect.
 */
@Injectable()
export class OutageRetry implements BeforeApplicationShutdown {
  private stopping = false;

  async run<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (this.stopping || !isOutage(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)));
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
