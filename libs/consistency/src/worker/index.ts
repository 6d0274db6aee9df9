export * from './change-relay';
export * from './consistency-worker.module';
export * from './metrics-publisher';
export * from './sweeper';
