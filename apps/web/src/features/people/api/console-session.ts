import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, setConsoleCsrfToken, unwrap } from '@/lib/api-client';
import type { SchemaCoordinatorSessionDto } from '@/lib/api/schema';
import { sessionEpoch } from '@/lib/session-epoch';

const epoch = sessionEpoch();

/** Who is signed in to the console (its own cookie). Keeps the session's CSRF token for the API client. */
export function getConsoleSession(): Promise<SchemaCoordinatorSessionDto> {
  return epoch.read(
    () => unwrap(api.GET('/session/coordinator')),
    (s) => setConsoleCsrfToken(s.csrfToken),
  );
}

export const consoleSessionQuery = queryOptions({ queryKey: ['console-session'], queryFn: getConsoleSession, staleTime: 60_000 });
export const useConsoleSession = () => useQuery(consoleSessionQuery);

/** Exchanges an emailed console link (an invitation or a sign-in link) for a session, once per link. */
export function openConsoleSession(link: string): Promise<SchemaCoordinatorSessionDto> {
  return epoch.change(
    () => unwrap(api.POST('/session/coordinator', { body: { link } })),
    (s) => setConsoleCsrfToken(s.csrfToken),
  );
}

export async function requestConsoleLink(email: string): Promise<string> {
  return (await unwrap(api.POST('/session/coordinator/sign-in-links', { body: { email } }))).message;
}

export function signOutConsole(): Promise<void> {
  return epoch.change(
    () => unwrap(api.DELETE('/session/coordinator')),
    () => setConsoleCsrfToken(null),
  );
}

/** The token of an emailed console link in the address's fragment (`/console#console-link=<token>`). */
export function consoleLinkInFragment(hash: string): string | null {
  const m = /^#console-link=([A-Za-z0-9._-]+)$/.exec(hash);
  return m ? m[1] : null;
}
