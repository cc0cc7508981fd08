import type { CookieOptions, Request, Response } from 'express';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '@app/config';
import { ProblemException } from '../common/problem';

/** How long a web session lasts after the link that opened it. */
export const SESSION_DAYS = 14;
/** The header every state-changing request made with the session cookie must carry. */
export const CSRF_HEADER = 'x-csrf-token';

/** `__Host-` in production: the browser then insists on Secure, Path=/ and no Domain. */
export const cookieName = (config: AppConfig) => (config.nodeEnv === 'production' ? '__Host-dpn_session' : 'dpn_session');

/** The console's coordinator session: its own cookie, so a person can be a member and a coordinator in one browser. */
export const consoleCookieName = (config: AppConfig) => (config.nodeEnv === 'production' ? '__Host-dpn_console' : 'dpn_console');
/** How long a console session lasts: coordinators act on the whole network, so sign in each working day. */
export const CONSOLE_SESSION_HOURS = 12;

export function cookieOptions(config: AppConfig, expires?: Date): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: config.nodeEnv === 'production', path: '/', ...(expires ? { expires } : {}) };
}

export const newSecret = () => randomBytes(32).toString('base64url');
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function sessionTokenFrom(req: Request, config: AppConfig): string | undefined {
  const v = (req.cookies as Record<string, unknown> | undefined)?.[cookieName(config)];
  return typeof v === 'string' && v.length > 0 && v.length <= 100 ? v : undefined;
}

export function consoleSessionTokenFrom(req: Request, config: AppConfig): string | undefined {
  const v = (req.cookies as Record<string, unknown> | undefined)?.[consoleCookieName(config)];
  return typeof v === 'string' && v.length > 0 && v.length <= 100 ? v : undefined;
}

export function setConsoleCookie(res: Response, config: AppConfig, token: string, expires: Date): void {
  res.cookie(consoleCookieName(config), token, cookieOptions(config, expires));
}

export function clearConsoleCookie(res: Response, config: AppConfig): void {
  res.clearCookie(consoleCookieName(config), cookieOptions(config));
}

export function setSessionCookie(res: Response, config: AppConfig, token: string, expires: Date): void {
  res.cookie(cookieName(config), token, cookieOptions(config, expires));
}

export function clearSessionCookie(res: Response, config: AppConfig): void {
  res.clearCookie(cookieName(config), cookieOptions(config));
}

/** GET, HEAD and OPTIONS change nothing; everything else needs the CSRF token with a cookie session. */
export const isStateChanging = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());

export function csrfMatches(req: Request, expected: string): boolean {
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function csrfFailed(): ProblemException {
  return new ProblemException(403, 'csrf_failed', 'This request came without the page’s security token (X-CSRF-Token): reload the page and try again.');
}
