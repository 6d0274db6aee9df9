export * from './app.config';
export * from './consistency.config';
export * from './database.config';
export * from './environment';
export * from './polaris-config.module';
export * from './redis.config';
export * from './logger.module';
export * from './graceful-shutdown';
