/**
 * Rate limits at the edge, per client address (`req.ip`; see TRUST_PROXY), with
 * `rate-limiter-flexible`: it can count only what failed (a 401 is counted when the response is
 * sent, so no burst of good requests ever trips it) and its limiters have drop-in PostgreSQL and
 * Redis stores for when several API processes must share one count. The counts here live in the
 * process's memory: each API process counts on its own.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { problemPage, PAGE_HEADERS } from '../decisions/decision-page';
import { ProblemException } from './problem';

/** The window in which failed authentications are counted, and for which an address is then refused. */
export const AUTH_FAILURE_WINDOW_S = 15 * 60;

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const clientOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * Failed authentication: every 401 an address receives counts; past `limit` within the window,
 * every request of that address to an authenticated route answers 429 (with Retry-After) until the
 * window ends, whatever token it sends, so that guessing tokens does not pay.
 */
export function authFailureLimit(limit: number): RequestHandler {
  const failures = new RateLimiterMemory({ points: limit, duration: AUTH_FAILURE_WINDOW_S });
  return (req: Request, res: Response, next: NextFunction) => {
    const client = clientOf(req);
    failures
      .get(client)
      .then((state) => {
        if (state && state.consumedPoints >= limit) {
          res.setHeader('Retry-After', String(seconds(state.msBeforeNext)));
          return next(new ProblemException(429, 'too_many_requests', `too many failed authentications from this address; try again in ${seconds(state.msBeforeNext)} s`));
        }
        res.on('finish', () => {
          if (res.statusCode === 401) void failures.penalty(client).catch(() => undefined);
        });
        next();
      })
      .catch(next);
  };
}

/**
 * Requests to the signed-link page (`/decide`) per address and minute. Past it: 429 with
 * Retry-After, as a page (people open these links in a browser).
 */
export function decidePageLimit(perMinute: number): RequestHandler {
  const requests = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return (req: Request, res: Response, next: NextFunction) => {
    requests
      .consume(clientOf(req))
      .then(() => next())
      .catch((err: unknown) => {
        if (!(err instanceof RateLimiterRes)) return next(err);
        res
          .status(429)
          .set(PAGE_HEADERS)
          .set('Retry-After', String(seconds(err.msBeforeNext)))
          .send(problemPage('Too many requests', `Please wait ${seconds(err.msBeforeNext)} seconds, then open the link again.`));
      });
  };
}
