import { ConsoleLogger } from '@nestjs/common';
import { AppConfig } from './config';

/** Nest's console logger: JSON lines in production (LOG_FORMAT=json), coloured text in development. */
export function createLogger(config: AppConfig, processName: string): ConsoleLogger {
  return new ConsoleLogger(processName, {
    json: config.logFormat === 'json',
    colors: config.logFormat === 'text' && process.stdout.isTTY === true,
    prefix: `dpn-${processName}`,
  });
}
