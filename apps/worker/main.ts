import { AppConfig, appConfig, closeOnSignals, databaseConfig } from '@app/config';
import { migrate } from '@app/database';
import { createWorkerApp } from './src/bootstrap';

/** `node main` runs the worker; `node main migrate` creates the database if needed and applies migrations. */
async function main(): Promise<void> {
  if (process.argv[2] === 'migrate') {
    const applied = await migrate(databaseConfig());
    console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
    return;
  }
  const app = await createWorkerApp();
  closeOnSignals(app, 'WorkerMain');
  const { workerHttp } = app.get<AppConfig>(appConfig.KEY);
  await app.listen(workerHttp.port, workerHttp.host); // internal: /health and /metrics
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
