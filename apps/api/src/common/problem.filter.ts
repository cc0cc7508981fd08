import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { IdempotencyConflictError, isDatabaseUnavailable, RecordNotFoundError } from '@app/db';
import { LedgerError, ShareError } from '@app/domain';
import { acceptRequestId } from '@app/observability';
import { ProblemBody, ProblemException } from './problem';
import { loggedPath } from './request-context';
import { isTemporalTimeout, isTemporalUnavailable } from './workflow-calls';

/** Domain rule violations that are conflicts with the current state (409); the rest are bad input (400). */
const CONFLICT_CODES = new Set(['insufficient_parts', 'insufficient_funds', 'currency_mismatch', 'asset_being_funded']);
/** The request field a domain rule is about, for the `errors` list of a 400. */
const RULE_FIELDS: Record<string, string> = {
  not_whole: 'owners',
  duplicate_owner: 'owners',
  negative: 'owners',
  invalid_parts: 'parts',
  same_member: 'toMemberId',
  duplicate_account: 'to',
};
/** PostgreSQL deadlock_detected and serialization_failure: safe to retry with the same key. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
/** Seconds a client should wait before retrying a 503 (a collision clears at once, an outage takes a while). */
const RETRY_AFTER = { collision: 1, unavailable: 5 } as const;

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Turns every error into an RFC 9457 problem response (application/problem+json). Known errors
 * keep their status and code; Temporal being unreachable is a 503; anything else is a generic 500
 * whose details are logged with a request id, never sent to the client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    // The request's id (requestContextMiddleware), also in its x-request-id header and log lines.
    const requestId = (res.locals.requestId as string | undefined) ?? acceptRequestId(req.headers['x-request-id']);
    const body = this.toProblem(exception, requestId);
    body.instance = req.originalUrl;
    // Every 5xx names its request, for the report the client may send us (4xx: the header has it).
    if (body.status >= 500) body.requestId = requestId;
    const message = exception instanceof Error ? exception.message : String(exception);
    const what = `${req.method} ${loggedPath(req.originalUrl)} -> ${body.status} ${body.code}`;
    if (body.status === 503) {
      // An outage makes many of these at once: one line each, without the stack.
      this.logger.warn({ message: `${what}: ${message}`, requestId });
      res.setHeader('Retry-After', String(this.retryAfter(exception)));
    } else if (body.status >= 500) {
      const stack = exception instanceof Error ? exception.stack : undefined;
      if (stack) this.logger.error({ message: `${what}: ${message}`, requestId }, stack);
      else this.logger.error({ message: `${what}: ${message}`, requestId });
    }
    if (body.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="dpn-admin"');
    // The audit trail (AuditTrailMiddleware) records why a request was refused.
    res.locals.problemCode = body.code;
    res.status(body.status).type('application/problem+json').json(body);
  }

  private retryAfter(e: unknown): number {
    return e instanceof QueryFailedError && RETRYABLE_SQLSTATES.has((e.driverError as { code?: string } | undefined)?.code ?? '') ? RETRY_AFTER.collision : RETRY_AFTER.unavailable;
  }

  private toProblem(e: unknown, requestId: string): ProblemBody {
    const make = (status: number, code: string, detail: string, extra: Partial<ProblemBody> = {}): ProblemBody => ({
      type: `urn:dpn:problem:${code}`,
      title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
      status,
      code,
      detail,
      ...extra,
    });
    if (e instanceof ProblemException) {
      return make(e.status, e.code, e.detail, { ...((e.extensions ?? {}) as Partial<ProblemBody>), ...(e.errors ? { errors: e.errors } : {}) });
    }
    if (e instanceof ShareError || e instanceof LedgerError) {
      if (CONFLICT_CODES.has(e.code)) return make(409, e.code, e.message);
      const field = RULE_FIELDS[e.code];
      return make(400, e.code, e.message, field ? { errors: [{ field, code: e.code, message: e.message }] } : {});
    }
    if (e instanceof QueryFailedError && RETRYABLE_SQLSTATES.has((e.driverError as { code?: string } | undefined)?.code ?? '')) {
      return make(503, 'retry', 'the request collided with a concurrent one; retry it (with the same Idempotency-Key)', { requestId });
    }
    if (e instanceof IdempotencyConflictError) return make(409, 'idempotency_key_reused', e.message);
    if (e instanceof RecordNotFoundError) return make(404, 'not_found', e.message);
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const resp = e.getResponse();
      const message = typeof resp === 'string' ? resp : ((resp as { message?: unknown }).message ?? e.message);
      return make(status, CODES[status] ?? `http_${status}`, Array.isArray(message) ? message.join('; ') : String(message));
    }
    if (isTemporalTimeout(e)) return make(504, 'workflow_timeout', 'the workflow engine (Temporal) did not answer in time; send the same request again', { requestId });
    if (isTemporalUnavailable(e)) {
      return make(HttpStatus.SERVICE_UNAVAILABLE, 'temporal_unavailable', 'the workflow engine (Temporal) is unreachable; try again shortly', {
        requestId,
      });
    }
    if (isDatabaseUnavailable(e)) {
      return make(503, 'retry', 'the database is unavailable or busy; retry shortly (with the same Idempotency-Key, if any)', { requestId });
    }
    return make(500, 'internal_error', `an unexpected error occurred; quote request id ${requestId} when reporting it`, { requestId });
  }
}
