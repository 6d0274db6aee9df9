import { AppConfig, appConfig, closeOnSignals } from '@app/config';
import { createApiApp } from './src/bootstrap';

async function main(): Promise<void> {
  const app = await createApiApp();
  closeOnSignals(app, 'ApiMain');
  const cfg = app.get<AppConfig>(appConfig.KEY);
  await app.listen(cfg.port, cfg.host);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
