import { Logger } from '@nestjs/common';
import { Worker } from 'bullmq';

const logger = new Logger('Workers');

/**
 * Sets a processor's concurrency and routes its connection errors to the log: BullMQ prints an
 * unheard worker 'error' to the console, outside the structured log, on every failed reconnect.
 */
export function configureWorker(worker: Worker, concurrency: number): void {
  worker.concurrency = concurrency;
  worker.on('error', (err) => logger.warn(`worker ${worker.name}: ${err.message}`));
}
