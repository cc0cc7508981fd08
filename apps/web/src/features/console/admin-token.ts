import { useSyncExternalStore } from 'react';
import { setAdminToken } from '@/lib/api-client';

/**
 * The console's coordinator token, until coordinator accounts exist (issue 14): the bootstrap
 * ADMIN_TOKEN, asked once per browser tab and kept in sessionStorage (gone when the tab closes).
 * It is sent only to /admin/… (lib/api-client).
 */
const KEY = 'dpn.console.bootstrapToken';
const listeners = new Set<() => void>();

function read(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

// The API client learns the token when the app loads in a tab that already has it.
setAdminToken(read());

export function saveAdminToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the token lives as long as the page.
  }
  setAdminToken(token);
  for (const l of listeners) l();
}

export function useAdminToken(): string | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
    () => null,
  );
}
