import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Page } from '@/components/ui/page';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { requestSignInLink } from '../api/session';

/**
 * An emailed link that did not sign in: forged or changed (nothing to offer), expired or used
 * (a fresh link can be mailed to the same member, for the same page).
 */
export function LinkProblem({ error, link }: { error: unknown; link: string }) {
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<unknown>(null);
  const code = error instanceof ApiProblem ? error.code : null;
  const canResend = code === 'link_expired' || code === 'link_used';
  const title = code === 'link_invalid' ? 'This link is not valid' : code === 'link_expired' ? 'This link has expired' : code === 'link_used' ? 'This link has been used' : 'You could not be signed in';
  return (
    <Page title={title}>
      <Alert kind="error">
        {problemMessage(error)}
        {code === 'link_invalid' ? ' Open it again from the email, copying the whole address, or ask for a new link on the sign-in page.' : ''}
      </Alert>
      {canResend && !sent ? (
        <div className="actions">
          <Button
            busy={busy}
            onClick={() => {
              setBusy(true);
              requestSignInLink({ link })
                .then(setSent, setFailed)
                .finally(() => setBusy(false));
            }}
          >
            Email me a new link
          </Button>
        </div>
      ) : null}
      {sent ? <Alert kind="success">{sent}</Alert> : null}
      {failed ? <Alert kind="error">{problemMessage(failed)}</Alert> : null}
    </Page>
  );
}
