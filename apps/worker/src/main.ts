import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig, runMain } from '@app/config';
import { collectProcessMetrics, createLogger } from '@app/observability';

import { installTemporalRuntime } from './temporal-runtime';
import { WorkerModule } from './worker.module';

runMain('worker', async () => {
  const config = loadConfig(process.env, { requireLinkSecret: true });
  const logger = createLogger(config, 'worker');
  // Before any connection: the SDK's, the workflows' and the activities' lines go through our logger.
  await installTemporalRuntime({ logger, sdkMetrics: config.metrics.workerPort !== undefined });
  collectProcessMetrics();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
});
