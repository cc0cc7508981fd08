import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { acceptRequestId, metrics, requestContext } from '@app/observability';

const logger = new Logger('HTTP');
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Answers nobody needs a line for while they succeed: health checks and scrapes (still measured). */
const QUIET = /^\/(health|metrics)\/?$/;
/** A path segment this long is a credential (a signed link), not an id: it never reaches the log. */
const LONG_SEGMENT = 48;

/** The route template that answered (`/admin/projects/:id`): the metrics' label, never a raw path. */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  if (req.originalUrl.startsWith('/static/')) return '/static';
  return 'unmatched';
}

/** The path as logged: without its query string, long segments (signed links) redacted. */
export function loggedPath(url: string): string {
  return url
    .split('?')[0]
    .split('/')
    .map((s) => (s.length > LONG_SEGMENT ? '[redacted]' : s))
    .join('/');
}

/**
 * First of every request: takes the client's `x-request-id` if it looks like one (else makes one),
 * sends it back as `x-request-id`, runs the request inside its request context (every log line
 * and every workflow call carries the id), and when the answer is sent measures it
 * (`dpn_http_request_duration_seconds` by route template and status) and logs one line.
 */
export function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const requestId = acceptRequestId(req.headers['x-request-id']);
  res.locals.requestId = requestId;
  res.setHeader('x-request-id', requestId);
  const started = process.hrtime.bigint();
  let done = false;
  const finished = () => {
    if (done) return;
    done = true;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // A client that went away before the answer: nginx's 499.
    const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
    const route = routeOf(req);
    const method = METHODS.has(req.method) ? req.method : 'OTHER';
    metrics.http.observe({ method, route, status: String(status) }, seconds);
    const path = req.originalUrl.split('?')[0];
    if (status < 400 && QUIET.test(path)) return;
    const durationMs = Math.round(seconds * 10_000) / 10;
    requestContext.run({ requestId }, () =>
      logger.log({ message: `${req.method} ${loggedPath(req.originalUrl)} ${status} ${durationMs} ms`, method: req.method, route, status, durationMs }),
    );
  };
  res.once('finish', finished);
  res.once('close', finished);
  requestContext.run({ requestId }, next);
}

/**
 * Enters the request context again: a body parser continues the request from the socket's
 * callbacks, outside the context the first middleware entered.
 */
export function reenterRequestContext(_req: Request, res: Response, next: NextFunction): void {
  const requestId = res.locals.requestId as string | undefined;
  if (requestId) requestContext.run({ requestId }, next);
  else next();
}
