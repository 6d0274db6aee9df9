import { closeOnSignals, loadEnvironment } from '@app/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const app = await createApiApp();
  closeOnSignals(app, 'ApiMain');
  const env = loadEnvironment();
  await app.listen(env.PORT, env.HOST);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
