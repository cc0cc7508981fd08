import { Logger } from '@nestjs/common';
import { AppLogger, createLogger } from './logger';
import { requestContext } from './request-context';
import { TemporalLogAdapter } from './temporal-logger';

function capture(format: 'json' | 'text', level: 'info' | 'debug' = 'info') {
  const out: Array<{ line: string; stream: string }> = [];
  const logger = createLogger({ logFormat: format, logLevel: level }, 'api', (line, stream) => void out.push({ line, stream }));
  return { logger, out, json: () => out.map((o) => JSON.parse(o.line) as Record<string, unknown>) };
}

describe('AppLogger', () => {
  it('writes one JSON object per line, with the attributes of a structured message and the request id of its context', () => {
    const { logger, out, json } = capture('json');
    requestContext.run({ requestId: 'req-1' }, () => logger.log({ message: 'pledge changed', roundId: 'r1', amount: 1500n }, 'Funding'));
    logger.warn('no context here');
    expect(out.every((o) => o.line.endsWith('\n') && !o.line.trimEnd().includes('\n'))).toBe(true);
    expect(json()).toEqual([
      { time: expect.any(String), level: 'info', process: 'api', context: 'Funding', message: 'pledge changed', requestId: 'req-1', roundId: 'r1', amount: '1500' },
      { time: expect.any(String), level: 'warn', process: 'api', context: 'api', message: 'no context here' },
    ]);
  });

  it('puts an error’s stack in the line, on stderr', () => {
    const { logger, out, json } = capture('json');
    const err = new Error('boom');
    logger.error({ message: 'failed', requestId: 'explicit' }, err.stack, 'HTTP');
    expect(out[0].stream).toBe('stderr');
    expect(json()[0]).toMatchObject({ level: 'error', context: 'HTTP', message: 'failed', requestId: 'explicit', stack: expect.stringContaining('Error: boom') });
  });

  it('keeps attributes from overwriting the line’s own fields, and survives cycles', () => {
    const { logger, json } = capture('json');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    logger.log({ message: 'm', level: 'fatal', process: 'x', cyclic });
    expect(json()[0]).toMatchObject({ level: 'info', process: 'api', message: 'm', cyclic: { a: 1, self: '[circular]' } });
  });

  it('keeps Nest’s start-up chatter (a line per route and module) for LOG_LEVEL=debug', () => {
    const info = capture('json');
    info.logger.log('Mapped {/admin/projects, POST} route', 'RouterExplorer');
    info.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    expect(info.out).toEqual([]);
    const debug = capture('json', 'debug');
    debug.logger.log('Mapped {/admin/projects, POST} route', 'RouterExplorer');
    expect(debug.json()).toEqual([expect.objectContaining({ level: 'debug', context: 'RouterExplorer' })]);
  });

  it('writes one readable line in text, attributes as key=value', () => {
    const { logger, out } = capture('text');
    requestContext.run({ requestId: 'req-2' }, () => logger.log({ message: 'webhook sent', nodeId: 'n1', note: 'two words' }, 'Webhooks'));
    expect(out).toHaveLength(1);
    expect(out[0].line).toMatch(/^\S+ \S+ +INFO \[api\] Webhooks: webhook sent requestId=req-2 nodeId=n1 note="two words"\n$/);
  });

  it('is a Nest ConsoleLogger, so Nest and every `new Logger(...)` write through it', () => {
    const { logger, json } = capture('json');
    expect(logger).toBeInstanceOf(AppLogger);
    Logger.overrideLogger(logger);
    try {
      new Logger('SomeService').log('through the static logger');
    } finally {
      Logger.overrideLogger(false);
    }
    expect(json()).toEqual([expect.objectContaining({ context: 'SomeService', message: 'through the static logger' })]);
  });
});

describe('TemporalLogAdapter', () => {
  it('turns workflow and activity log calls into lines with their attributes, without the task token', () => {
    const { logger, json } = capture('json', 'debug');
    const temporal = new TemporalLogAdapter(logger);
    temporal.info('project transition recorded', { sdkComponent: 'activity', taskToken: 'c2VjcmV0', activityType: 'recordProjectTransition', workflowId: 'project-1', attempt: 1, requestId: 'req-3' });
    temporal.warn('Workflow failed', { sdkComponent: 'workflow', workflowId: 'job-1', runId: 'r', error: new Error('no node left') });
    temporal.debug('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    temporal.trace('poll', { sdkComponent: 'core' });
    expect(json()).toEqual([
      expect.objectContaining({ level: 'info', context: 'Activity', message: 'project transition recorded', activityType: 'recordProjectTransition', workflowId: 'project-1', requestId: 'req-3' }),
      expect.objectContaining({ level: 'warn', context: 'Workflow', workflowId: 'job-1', error: { name: 'Error', message: 'no node left' } }),
      expect.objectContaining({ level: 'debug', context: 'Temporal', sdkComponent: 'worker', state: 'RUNNING' }),
      expect.objectContaining({ level: 'trace', context: 'Temporal', sdkComponent: 'core' }),
    ]);
    expect(json()[0]).not.toHaveProperty('taskToken');
  });

  it('filters by the logger’s level', () => {
    const { logger, out } = capture('json', 'info');
    new TemporalLogAdapter(logger).debug('Activity started', { sdkComponent: 'worker' });
    expect(out).toEqual([]);
  });
});
