/**
 * The one API client: typed from the API's own OpenAPI document (lib/api/schema.d.ts, generated
 * by `npm run openapi:generate`), with one error path: a failed call throws an ApiProblem.
 * Requests go to the same origin with the session cookie; every state-changing one carries the
 * session's CSRF token; the console's calls to the admin API carry the coordinator token.
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

/**
 * The coordinator token the console uses until coordinator accounts exist (issue 14): sent only to
 * the admin API (`/admin/…`), never with member routes.
 */
export function setAdminToken(token: string | null): void {
  adminToken = token;
}

const admin: Middleware = {
  onRequest({ request }) {
    if (adminToken && new URL(request.url).pathname.startsWith('/admin/')) request.headers.set('Authorization', `Bearer ${adminToken}`);
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
