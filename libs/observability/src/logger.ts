import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { inspect } from 'node:util';
import type { AppConfig } from '@app/config';
import { currentRequestId } from './request-context';

export type LogFormat = 'text' | 'json';
export type AppLogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogWrite = (line: string, stream: 'stdout' | 'stderr') => void;

/** Nest's levels enabled by each LOG_LEVEL. */
const NEST_LEVELS: Record<AppLogLevel, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** The level names in the output (Nest's `log` is everyone else's `info`). */
const LEVEL_NAMES: Record<LogLevel, string> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/**
 * Nest's start-up chatter: one line per module and per route (about 140 lines). Debug level: it
 * says nothing a running system needs, and it buried the first useful lines.
 */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** Fields of every JSON line that a structured message may not overwrite. */
const RESERVED = new Set(['time', 'level', 'process', 'context', 'message', 'stack']);

const COLORS: Partial<Record<LogLevel, number>> = { fatal: 35, error: 31, warn: 33, debug: 90, verbose: 90 };

/**
 * A message with attributes: `logger.log({ message: 'webhook sent', nodeId, outcome })`. The
 * attributes become fields of the JSON line (and `key=value` pairs in text).
 */
export interface StructuredMessage {
  message: string;
  [attribute: string]: unknown;
}

function isStructured(m: unknown): m is StructuredMessage {
  return typeof m === 'object' && m !== null && !Array.isArray(m) && !(m instanceof Error) && typeof (m as { message?: unknown }).message === 'string';
}

/** JSON that never throws: bigints (money) as strings, errors as name/message, cycles cut. */
export function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

function textValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  return safeJson(v);
}

/**
 * The one logger of every process (API, worker, scripts), Nest's `ConsoleLogger` underneath:
 * one JSON object per line (`LOG_FORMAT=json`, production) or one readable line (`text`). Every
 * line written while a request or an activity runs carries its `requestId`; a structured message
 * puts its attributes on the line. The worker's Temporal runtime logs through it too
 * (`TemporalLogAdapter`): workflow and activity lines with their workflowId, runId, activityType.
 */
export class AppLogger extends ConsoleLogger {
  private readonly format: LogFormat;
  private readonly write: LogWrite;
  private readonly processName: string;
  private readonly color: boolean;

  constructor(processName: string, opts: { format: LogFormat; level: AppLogLevel; write?: LogWrite }) {
    super(processName, { json: opts.format === 'json', colors: false, prefix: `dpn-${processName}`, logLevels: NEST_LEVELS[opts.level] });
    this.processName = processName;
    this.format = opts.format;
    this.write = opts.write ?? ((line, stream) => void process[stream].write(line));
    this.color = opts.format === 'text' && !opts.write && process.stdout.isTTY === true;
  }

  protected override printMessages(messages: unknown[], context = '', logLevel: LogLevel = 'log', writeStreamType?: 'stdout' | 'stderr', errorStack?: unknown): void {
    if (logLevel === 'log' && FRAMEWORK_CONTEXTS.has(context)) {
      if (!this.isLevelEnabled('debug')) return;
      logLevel = 'debug';
    }
    const stream = writeStreamType ?? (logLevel === 'error' || logLevel === 'fatal' ? 'stderr' : 'stdout');
    const requestId = currentRequestId();
    for (const m of messages) {
      let message: string;
      let attributes: Record<string, unknown> = {};
      let stack = typeof errorStack === 'string' ? errorStack : undefined;
      if (typeof m === 'string') message = m;
      else if (isStructured(m)) ({ message, ...attributes } = m);
      else if (m instanceof Error) {
        message = m.message;
        stack ??= m.stack;
      } else message = inspect(m, { depth: 4, breakLength: Infinity });
      // An explicit requestId (a Temporal log line's) wins over the context's.
      const fields: Record<string, unknown> = { ...(requestId ? { requestId } : {}) };
      for (const [k, v] of Object.entries(attributes)) if (v !== undefined && !RESERVED.has(k)) fields[k] = v;
      this.write(this.format === 'json' ? this.jsonLine(logLevel, context, message, fields, stack) : this.textLine(logLevel, context, message, fields, stack), stream);
    }
  }

  /** The stack is part of the line (JSON field, or the lines after a text line), never printed apart. */
  protected override printStackTrace(): void {}

  private jsonLine(level: LogLevel, context: string, message: string, fields: Record<string, unknown>, stack?: string): string {
    const line = { time: new Date().toISOString(), level: LEVEL_NAMES[level], process: this.processName, ...(context ? { context } : {}), message, ...fields, ...(stack ? { stack } : {}) };
    return `${safeJson(line)}\n`;
  }

  private textLine(level: LogLevel, context: string, message: string, fields: Record<string, unknown>, stack?: string): string {
    const name = LEVEL_NAMES[level].toUpperCase().padStart(5);
    const code = COLORS[level];
    const lvl = this.color && code ? `\x1b[${code}m${name}\x1b[0m` : name;
    const attrs = Object.entries(fields)
      .map(([k, v]) => `${k}=${textValue(v)}`)
      .join(' ');
    const time = new Date().toISOString().replace('T', ' ').replace('Z', '');
    return `${time} ${lvl} [${this.processName}]${context ? ` ${context}:` : ''} ${message}${attrs ? ` ${attrs}` : ''}\n${stack ? `${stack}\n` : ''}`;
  }
}

/** The logger of a process, after its configuration (LOG_FORMAT, LOG_LEVEL). */
export function createLogger(config: Pick<AppConfig, 'logFormat' | 'logLevel'>, processName: string, write?: LogWrite): AppLogger {
  return new AppLogger(processName, { format: config.logFormat, level: config.logLevel, write });
}
