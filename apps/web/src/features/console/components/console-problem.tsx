import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { saveAdminToken } from '../admin-token';

/** A console read that failed, in words; a refused token opens the console's door again. */
export function ConsoleProblem({ error }: { error: unknown }) {
  if (error instanceof ApiProblem && error.status === 401) {
    return (
      <Alert kind="warning" title="The coordinator token is no longer accepted">
        <p>It may have been changed on the server. Nothing was shown or changed.</p>
        <Button type="button" onClick={() => saveAdminToken(null)}>
          Enter the token again
        </Button>
      </Alert>
    );
  }
  return <Alert kind="error">{problemMessage(error)}</Alert>;
}
