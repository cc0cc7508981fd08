import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, setCsrfToken, unwrap } from '@/lib/api-client';
import type { SchemaSessionDto } from '@/lib/api/schema';
import { sessionEpoch } from '@/lib/session-epoch';

const epoch = sessionEpoch();

/** Who is signed in. Keeps the CSRF token of the session for the API client. */
export function getSession(): Promise<SchemaSessionDto> {
  return epoch.read(
    () => unwrap(api.GET('/session')),
    (s) => setCsrfToken(s.csrfToken),
  );
}

export const sessionQuery = queryOptions({ queryKey: ['session'], queryFn: getSession, staleTime: 60_000 });

export function useSession() {
  return useQuery(sessionQuery);
}

/** Exchanges an emailed link for a session (once per link). */
export function openSession(link: string): Promise<SchemaSessionDto> {
  return epoch.change(
    () => unwrap(api.POST('/session', { body: { link } })),
    (s) => setCsrfToken(s.csrfToken),
  );
}

/** Asks for a sign-in link by email, or a fresh one for an old link. */
export async function requestSignInLink(body: { email?: string; link?: string; next?: string }): Promise<string> {
  return (await unwrap(api.POST('/session/sign-in-links', { body }))).message;
}

export function signOut(): Promise<void> {
  return epoch.change(
    () => unwrap(api.DELETE('/session')),
    () => setCsrfToken(null),
  );
}
