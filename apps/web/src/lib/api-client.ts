/**
 * The one API client: typed from the API's own OpenAPI document (lib/api/schema.d.ts, generated
 * by `npm run openapi:generate`), with one error path: a failed call throws an ApiProblem.
 * Requests go to the same origin with the session cookie; every state-changing one carries the
 * session's CSRF token; the console's calls carry the console session's CSRF token, or the bootstrap token.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './api/schema';
import { ApiProblem } from './problem';

let csrfToken: string | null = null;
let adminToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method) && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

let consoleCsrfToken: string | null = null;

/**
 * The bootstrap token (ADMIN_TOKEN) when someone opens the console with it for operations: sent
 * only to the admin API (`/admin/…`), never with member routes.
 */
export function setAdminToken(token: string | null): void {
  adminToken = token;
}

/** The CSRF token of the console's coordinator session (its own cookie, its own token). */
export function setConsoleCsrfToken(token: string | null): void {
  consoleCsrfToken = token;
}

const isConsolePath = (path: string) => path.startsWith('/admin/') || path === '/session/coordinator' || path.startsWith('/session/coordinator/');

const admin: Middleware = {
  onRequest({ request }) {
    const path = new URL(request.url).pathname;
    if (!isConsolePath(path)) return request;
    if (adminToken && path.startsWith('/admin/')) request.headers.set('Authorization', `Bearer ${adminToken}`);
    // The console's cookie is checked against the console session's token, not the member session's.
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      if (consoleCsrfToken) request.headers.set('X-CSRF-Token', consoleCsrfToken);
      else request.headers.delete('X-CSRF-Token');
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin, credentials: 'same-origin' });
api.use(csrf, admin);

/** The data of a call, or its problem thrown. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) throw ApiProblem.from(response.status, error);
  return data as T;
}
