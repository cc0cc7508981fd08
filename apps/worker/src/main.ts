import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadConfig, runMain } from '@app/config';

import { WorkerModule } from './worker.module';

runMain('worker', async () => {
  const config = loadConfig(process.env, { requireLinkSecret: true });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: createLogger(config, 'worker') });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
});
