import { INestApplicationContext, Logger } from '@nestjs/common';

const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * On SIGTERM or SIGINT: stop taking work, run every shutdown hook (in-flight jobs and sweeps
 * finish, connections close), then exit 0. Exits 1 if that takes longer than 15 s.
 */
export function closeOnSignals(app: INestApplicationContext, name: string): void {
  const logger = new Logger(name);
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log({ event: 'shutdown.started', signal }, `${signal} received, shutting down`);
    setTimeout(() => {
      logger.error({ event: 'shutdown.timeout' }, 'shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app
      .close()
      .then(() => {
        logger.log({ event: 'shutdown.completed' }, 'shutdown complete');
        process.exit(0);
      })
      .catch((err: Error) => {
        logger.error({ event: 'shutdown.failed', error: err.message }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
