import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { Loading } from '@/components/ui/page';
import { openSession, sessionQuery } from '../api/session';
import { LinkProblem } from './link-problem';

/** The token of an emailed link in the address's fragment (`…#link=<token>`), if any. */
export function linkInFragment(hash: string): string | null {
  const m = /^#link=([A-Za-z0-9._-]+)$/.exec(hash);
  return m ? m[1] : null;
}

/**
 * Signs in with an emailed link: takes the token out of the address at once (so it is neither
 * kept in the history nor shared by copying the URL), exchanges it for a session, then shows the
 * page the link leads to.
 */
export function useLinkExchange(token: string | null, onDone: (path: string) => void) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<{ status: 'idle' | 'working' | 'done' } | { status: 'failed'; error: unknown }>({ status: token ? 'working' : 'idle' });
  const started = useRef<string | null>(null);
  useEffect(() => {
    if (!token || started.current === token) return;
    started.current = token;
    setState({ status: 'working' });
    openSession(token).then(
      (s) => {
        queryClient.setQueryData(sessionQuery.queryKey, s);
        void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
        setState({ status: 'done' });
        onDone(s.path ?? '/me');
      },
      (error: unknown) => setState({ status: 'failed', error }),
    );
  }, [token, queryClient, onDone]);
  return state;
}

/** Around the whole app: a `#link=` fragment on any page signs in first. */
export function FragmentLinkGate({ children }: { children: ReactNode }) {
  const [token, setToken] = useState(() => linkInFragment(window.location.hash));
  const navigate = useNavigate();
  useEffect(() => {
    if (token) window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }, [token]);
  // A link to the page already open changes only the fragment: the browser does not load the page again.
  useEffect(() => {
    const onHash = () => {
      const t = linkInFragment(window.location.hash);
      if (t) setToken(t);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const state = useLinkExchange(token, (path) => {
    if (path !== window.location.pathname) void navigate(path, { replace: true });
  });
  if (state.status === 'working') return <Loading what="Signing you in" />;
  if (state.status === 'failed') return <LinkProblem error={state.error} link={token!} />;
  return <>{children}</>;
}
