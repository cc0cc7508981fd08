import 'reflect-metadata';
import { createLogger, loadConfig, runMain } from '@app/config';
import { createApiApp } from './app.setup';

runMain('api', async () => {
  const config = loadConfig(process.env, { requireAdminToken: true, requireLinkSecret: true });
  const app = await createApiApp(config, createLogger(config, 'api'));
  await app.listen(config.port);
  process.stdout.write(`api listening on ${config.publicUrl} (docs: ${config.publicUrl}/docs)\n`);
});
