import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Loading, Page } from '@/components/ui/page';
import { useSession } from '@/features/session/api/session';
import { consoleLinkInFragment, consoleSessionQuery, openConsoleSession, requestConsoleLink, useConsoleSession } from '@/features/people/api/console-session';
import { setAdminToken } from '@/lib/api-client';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { saveAdminToken, useAdminToken } from '../admin-token';

interface Props {
  /** Checks the bootstrap token against the API (throws its problem when refused). */
  verify: () => Promise<unknown>;
  children: ReactNode;
}

/** What a refused console link means, in words. */
export function consoleLinkMessage(err: unknown): string {
  if (err instanceof ApiProblem) {
    if (err.code === 'link_expired') return 'This link has expired (an invitation works for 7 days, a sign-in link for 15 minutes). Ask for a fresh one with your email address below.';
    if (err.code === 'link_used') return 'This link has already been used to sign in. Ask for a fresh one with your email address below.';
    if (err.code === 'link_invalid') return 'This link is not valid: it is incomplete or was changed. Open it again from the email, or ask for a new one below.';
    if (err.code === 'coordinator_disabled') return 'This coordinator account is disabled: ask another coordinator to enable it.';
  }
  return problemMessage(err);
}

/**
 * The console's door: coordinators sign in by email (a link, as members do; an invitation's link
 * signs in too), and the network's operators may still open it with the bootstrap token, kept in
 * this browser tab only.
 */
export function ConsoleGate({ verify, children }: Props) {
  const token = useAdminToken();
  const session = useConsoleSession();
  const qc = useQueryClient();
  const [link, setLink] = useState(() => consoleLinkInFragment(window.location.hash));
  const [exchange, setExchange] = useState<'idle' | 'working' | 'done' | { error: unknown }>(link ? 'working' : 'idle');
  const started = useRef<string | null>(null);

  // A link to the page already open changes only the fragment: the browser does not load the page again.
  useEffect(() => {
    const onHash = () => {
      const l = consoleLinkInFragment(window.location.hash);
      if (l) setLink(l);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (!link || started.current === link) return;
    started.current = link;
    setExchange('working');
    // Out of the address at once: neither kept in the history nor shared by copying the URL.
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
    openConsoleSession(link).then(
      (s) => {
        qc.setQueryData(consoleSessionQuery.queryKey, s);
        void qc.invalidateQueries({ queryKey: ['console'] });
        setExchange('done');
      },
      (error: unknown) => setExchange({ error }),
    );
  }, [link, qc]);

  if (exchange === 'working') return <Loading what="Signing you in to the console" />;
  if (token) return <>{children}</>;
  if (session.isPending) return <Loading />;
  if (session.data?.coordinator) return <>{children}</>;
  const linkError = typeof exchange === 'object' ? exchange.error : null;
  return <ConsoleDoor verify={verify} linkError={linkError} expired={!!session.data?.expired} />;
}

function ConsoleDoor({ verify, linkError, expired }: { verify: () => Promise<unknown>; linkError: unknown; expired: boolean }) {
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [text, setText] = useState('');
  const [tokenError, setTokenError] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);
  // A member signed in to the member pages is not a coordinator: say so plainly, before the door.
  const member = useSession().data?.member;

  async function askLink(e: FormEvent) {
    e.preventDefault();
    const value = email.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return setEmailError('Enter your email address, like name@example.org.');
    setSending(true);
    try {
      setSent(await requestConsoleLink(value));
      setEmailError(null);
    } catch (err) {
      setEmailError(err instanceof ApiProblem ? (err.fieldError('email') ?? problemMessage(err)) : problemMessage(err));
    } finally {
      setSending(false);
    }
  }

  async function openWithToken(e: FormEvent) {
    e.preventDefault();
    const t = text.trim();
    if (!t) return setTokenError('Paste the bootstrap token.');
    setOpening(true);
    // The client tries it first; the tab keeps it (and the console opens) only once the API takes it.
    setAdminToken(t);
    try {
      await verify();
      setTokenError(null);
      setText('');
      saveAdminToken(t);
      await qc.invalidateQueries({ queryKey: ['console'] });
    } catch (err) {
      setAdminToken(null);
      setText('');
      setTokenError(err instanceof ApiProblem && err.status === 401 ? 'This is not the bootstrap token: nothing was opened.' : problemMessage(err));
    } finally {
      setOpening(false);
    }
  }

  return (
    <Page title="Coordinator console" lead="Run the network: its nodes, the job board, funding rounds, the ledger, its people and the audit trail.">
      {member ? (
        <Alert kind="warning" title="The console is for coordinators">
          You are signed in as {member.name}, a member of the network. The console shows the network’s records (its ledger, members and mail) to its coordinators only: nothing of it was shown or changed. If you are also a coordinator,
          sign in below with your coordinator email address.
        </Alert>
      ) : null}
      {linkError ? (
        <Alert kind="error" title="You are not signed in">
          {consoleLinkMessage(linkError)}
        </Alert>
      ) : expired ? (
        <Alert kind="info">Your console session has ended. Sign in again with your email address.</Alert>
      ) : null}
      <form onSubmit={(e) => void askLink(e)} noValidate aria-label="Sign in to the console">
        <h2>Sign in</h2>
        <p className="muted">No password: we email you a link that signs you in (once, for 15 minutes). Coordinators are invited by another coordinator.</p>
        <Field
          label="Your email address"
          type="email"
          autoComplete="email"
          inputMode="email"
          className="wide"
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
            setEmailError(null);
          }}
          error={emailError}
        />
        <Button type="submit" busy={sending}>
          Email me a sign-in link
        </Button>
      </form>
      {sent ? (
        <Alert kind="success" title="Check your email">
          {sent}
        </Alert>
      ) : null}
      <details className="ops-door">
        <summary>Operations: open with the bootstrap token</summary>
        <p className="muted">
          The network’s bootstrap token (<code>ADMIN_TOKEN</code>; <code>npm run dev</code> keeps it in <code>.data/admin-token</code>) opens everything: use it to invite the first coordinator, then sign in as a person. It is kept only in this
          browser tab and sent only to the admin API.
        </p>
        <form onSubmit={(e) => void openWithToken(e)} noValidate aria-label="Open the console with the bootstrap token">
          <Field
            label="Bootstrap token (ADMIN_TOKEN)"
            type="password"
            autoComplete="off"
            className="wide"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setTokenError(null);
            }}
            error={tokenError}
          />
          <Button type="submit" variant="secondary" busy={opening}>
            Open the console
          </Button>
        </form>
      </details>
    </Page>
  );
}
