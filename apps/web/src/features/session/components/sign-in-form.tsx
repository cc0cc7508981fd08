import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { ApiProblem, problemMessage } from '@/lib/problem';

/** Email in, the same answer out whether or not it is a member's (nothing to learn by trying). */
export function SignInForm({ onRequest }: { onRequest: (email: string) => Promise<string> }) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) {
      setError('Enter your email address, like name@example.org.');
      return;
    }
    setBusy(true);
    try {
      setSent(await onRequest(email.trim()));
      setError(null);
    } catch (err) {
      setError(err instanceof ApiProblem ? (err.fieldError('email') ?? problemMessage(err)) : problemMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (sent) {
    return (
      <Alert kind="success" title="Check your email">
        {sent} You can close this page.
      </Alert>
    );
  }
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Sign in">
      <Field label="Email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={error} hint="The address the network knows you by. We email you a link that signs you in: no password." />
      <Button type="submit" busy={busy}>
        Email me a sign-in link
      </Button>
    </form>
  );
}
