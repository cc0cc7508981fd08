import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Page } from '@/components/ui/page';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { saveAdminToken, useAdminToken } from '../admin-token';

interface Props {
  /** Checks a token against the admin API (throws its problem when refused). */
  verify: () => Promise<unknown>;
  children: ReactNode;
}

/**
 * The console's door until coordinator accounts exist: it asks once for the bootstrap coordinator
 * token (ADMIN_TOKEN), checks it against the API, and keeps it for this browser tab only.
 */
export function ConsoleGate({ verify, children }: Props) {
  const token = useAdminToken();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const t = text.trim();
    if (!t) return setError('Paste the coordinator token.');
    setBusy(true);
    saveAdminToken(t);
    try {
      await verify();
      setError(null);
      setText('');
      await qc.invalidateQueries({ queryKey: ['console'] });
    } catch (err) {
      saveAdminToken(null);
      setText('');
      setError(err instanceof ApiProblem && err.status === 401 ? 'This is not the coordinator token: nothing was opened.' : problemMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (token && !busy) return <>{children}</>;
  return (
    <Page title="Coordinator console" lead="Run the network: its nodes, the job board, funding rounds and the ledger.">
      <Alert kind="info" title="Bootstrap token, until coordinator accounts arrive">
        The console opens with the network’s bootstrap coordinator token (<code>ADMIN_TOKEN</code>; <code>npm run dev</code> keeps it in <code>.data/admin-token</code>). It is kept only in this browser tab and sent only to the
        admin API. Coordinator sign-in with personal accounts and roles replaces it.
      </Alert>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Open the console">
        <Field
          label="Coordinator token (ADMIN_TOKEN)"
          type="password"
          autoComplete="off"
          className="wide"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setError(null);
          }}
          error={error}
        />
        <Button type="submit" busy={busy}>
          Open the console
        </Button>
      </form>
    </Page>
  );
}
