import type { Request, Response } from 'express';
import { csrfFailed, csrfMatches } from './session-cookie';

/** The web sessions a cookie opens: a member's (the app) and a coordinator's (the console). */
export interface CookieSessions<Found extends { state: 'active' | 'expired' }> {
  lookup(req: Request): Promise<Found | null>;
  current(req: Request): Promise<{ session: { csrfToken: string } } | null>;
  close(req: Request): Promise<void>;
}

/**
 * `GET` of a session endpoint: who is signed in (`nobody(false)` without a cookie); an expired
 * session answers `nobody(true)` and its cookie is cleared. Never cached.
 */
export async function answerSession<Found extends { state: 'active' | 'expired' }, Dto>(
  sessions: CookieSessions<Found>,
  req: Request,
  res: Response,
  clearCookie: (res: Response) => void,
  view: (found: Found) => Dto,
  nobody: (expired: boolean) => Dto,
): Promise<Dto> {
  res.setHeader('Cache-Control', 'no-store');
  const found = await sessions.lookup(req);
  if (!found) return nobody(false);
  if (found.state !== 'active') {
    clearCookie(res);
    return nobody(true);
  }
  return view(found);
}

/** `DELETE` of a session endpoint: signs out, with the session's CSRF token (a page of another site cannot sign anyone out). */
export async function endSession(sessions: CookieSessions<{ state: 'active' | 'expired' }>, req: Request, res: Response, clearCookie: (res: Response) => void): Promise<void> {
  const found = await sessions.current(req);
  if (found && !csrfMatches(req, found.session.csrfToken)) throw csrfFailed();
  await sessions.close(req);
  clearCookie(res);
}
