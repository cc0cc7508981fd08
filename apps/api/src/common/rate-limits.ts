/**
 * Rate limits at the edge, per client address (`req.ip`; see TRUST_PROXY), with
 * `rate-limiter-flexible`: it can count only what failed (a 401 is counted when the response is
 * sent, so no burst of good requests ever trips it) and its limiters have drop-in PostgreSQL and
 * Redis stores for when several API processes must share one count. The counts here live in the
 * process's memory: each API process counts on its own.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
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
 * Requests to the page an old emailed link opens (`/decide/<link>`, now a page of the web app)
 * per address and minute. Past it: 429 with Retry-After, as a page (people open these links in a
 * browser).
 */
export function decidePageLimit(perMinute: number): RequestHandler {
  const requests = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return (req: Request, res: Response, next: NextFunction) => {
    requests
      .consume(clientOf(req))
      .then(() => next())
      .catch((err: unknown) => {
        if (!(err instanceof RateLimiterRes)) return next(err);
        const wait = seconds(err.msBeforeNext);
        res
          .status(429)
          .type('html')
          .set('Retry-After', String(wait))
          .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Too many requests</title></head><body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem"><h1>Too many requests</h1><p>Please wait ${wait} seconds, then open the link again.</p></body></html>`);
      });
  };
}

/**
 * Signed links redeemed for a session (`POST /session`) per address and minute: guessing links
 * does not pay. Past it: a 429 problem with Retry-After (the web app shows it in words).
 */
export function signedLinkLimit(perMinute: number): RequestHandler {
  const requests = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || (req.path !== '/' && req.path !== '')) return next();
    requests
      .consume(clientOf(req))
      .then(() => next())
      .catch((err: unknown) => {
        if (!(err instanceof RateLimiterRes)) return next(err);
        res.setHeader('Retry-After', String(seconds(err.msBeforeNext)));
        next(new ProblemException(429, 'too_many_requests', `too many links opened from this address; try again in ${seconds(err.msBeforeNext)} s`));
      });
  };
}
