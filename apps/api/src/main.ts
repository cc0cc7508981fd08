import 'reflect-metadata';
import { loadConfig, runMain } from '@app/config';
import { collectProcessMetrics, createLogger } from '@app/observability';
import { createApiApp } from './app.setup';

runMain('api', async () => {
  const config = loadConfig(process.env, { requireAdminToken: true, requireLinkSecret: true });
  const logger = createLogger(config, 'api');
  collectProcessMetrics();
  const app = await createApiApp(config, logger);
  await app.listen(config.port);
  logger.log({ message: `listening on ${config.publicUrl} (docs: ${config.publicUrl}/docs)`, port: config.port });
});
