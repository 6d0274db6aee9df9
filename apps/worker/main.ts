import { AppConfig, appConfig, closeOnSignals, consistencyConfig, databaseConfig } from '@app/config';
import { migrate } from '@app/database';
import { migrateSources } from '@app/sources';
import { runAudit } from './src/audit.command';
import { createWorkerApp } from './src/bootstrap';

/**
 * `node main` runs the worker; `node main migrate` creates the database if needed, applies migrations,
 * and makes the declared sources' capture triggers match polaris.yaml; `node main audit` checks every
 * guarded source once, now, and exits 0 (consistent), 1 (inconsistent) or 2 (error).
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'migrate') {
    const applied = await migrate(databaseConfig());
    console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
    const capture = await migrateSources(databaseConfig(), consistencyConfig().sourcesFile);
    for (const w of capture.warnings) console.warn(`Warning: ${w}`);
    for (const t of capture.installed) console.log(`Capture trigger installed: ${t}`);
    for (const t of capture.removed) console.log(`Capture trigger removed: ${t}`);
    return;
  }
  if (process.argv[2] === 'audit') {
    process.exit(await runAudit(process.argv.slice(3))); // a client still reconnecting must not keep a failed audit alive
  }
  const app = await createWorkerApp();
  closeOnSignals(app, 'WorkerMain');
  const { workerHttp } = app.get<AppConfig>(appConfig.KEY);
  await app.listen(workerHttp.port, workerHttp.host); // internal: /health and /metrics
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(process.argv[2] === 'audit' ? 2 : 1);
});
