import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, setCsrfToken, unwrap } from '@/lib/api-client';
import type { SchemaSessionDto } from '@/lib/api/schema';

/** Who is signed in. Keeps the CSRF token of the session for the API client. */
export async function getSession(): Promise<SchemaSessionDto> {
  const s = await unwrap(api.GET('/session'));
  setCsrfToken(s.csrfToken);
  return s;
}

export const sessionQuery = queryOptions({ queryKey: ['session'], queryFn: getSession, staleTime: 60_000 });

export function useSession() {
  return useQuery(sessionQuery);
}

/** Exchanges an emailed link for a session (once per link). */
export async function openSession(link: string): Promise<SchemaSessionDto> {
  const s = await unwrap(api.POST('/session', { body: { link } }));
  setCsrfToken(s.csrfToken);
  return s;
}

/** Asks for a sign-in link by email, or a fresh one for an old link. */
export async function requestSignInLink(body: { email?: string; link?: string; next?: string }): Promise<string> {
  return (await unwrap(api.POST('/session/sign-in-links', { body }))).message;
}

export async function signOut(): Promise<void> {
  await unwrap(api.DELETE('/session'));
  setCsrfToken(null);
}
