export * from './app-process';
export * from './redis-server';
export * from './redis-cluster';
export * from './stores';
export * from './tcp-proxy';
export * from './test-context';
export * from './json-arbitrary';
export * from './postgres-server';
