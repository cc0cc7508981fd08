import type { LoggerService } from '@nestjs/common';
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';

const CONTEXTS: Record<string, string> = { workflow: 'Workflow', activity: 'Activity' };

/**
 * The Temporal runtime's logger (`Runtime.install({ logger })`) that writes through the app's own
 * logger: workflow `log`, activity `log` and the SDK's worker and core lines become lines of the
 * process's log (JSON in production) with their attributes (workflowId, runId, activityType,
 * attempt, requestId...) as fields. The activity's task token is dropped: it is a credential that
 * completes the activity, and it made every activity line a dump.
 */
export class TemporalLogAdapter implements TemporalLogger {
  constructor(private readonly target: LoggerService) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { sdkComponent, ...attributes } = meta as Record<string, unknown>;
    delete attributes.taskToken;
    const component = typeof sdkComponent === 'string' ? sdkComponent : 'worker';
    const context = CONTEXTS[component] ?? 'Temporal';
    const entry: Record<string, unknown> = { message, ...(context === 'Temporal' ? { sdkComponent: component } : {}), ...attributes };
    const error = attributes.error ?? attributes.failure;
    const stack = error instanceof Error ? error.stack : undefined;
    switch (level) {
      case 'TRACE':
        return this.target.verbose?.(entry, context);
      case 'DEBUG':
        return this.target.debug?.(entry, context);
      case 'INFO':
        return this.target.log(entry, context);
      case 'WARN':
        return this.target.warn(entry, context);
      case 'ERROR':
        return stack ? this.target.error(entry, stack, context) : this.target.error(entry, context);
    }
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
