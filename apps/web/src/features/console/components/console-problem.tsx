import { useQueryClient } from '@tanstack/react-query';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { consoleSessionQuery } from '@/features/people/api/console-session';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { saveAdminToken } from '../admin-token';

/** A console read that failed, in words; a refused sign-in or token opens the console's door again. */
export function ConsoleProblem({ error }: { error: unknown }) {
  const qc = useQueryClient();
  if (error instanceof ApiProblem && (error.status === 401 || error.code === 'coordinator_disabled')) {
    return (
      <Alert kind="warning" title="You are no longer signed in to the console">
        <p>{error.code === 'coordinator_disabled' ? 'Your coordinator account was disabled.' : 'Your session ended, or the token was changed on the server.'} Nothing was shown or changed.</p>
        <Button
          type="button"
          onClick={() => {
            saveAdminToken(null);
            void qc.invalidateQueries({ queryKey: consoleSessionQuery.queryKey });
          }}
        >
          Sign in again
        </Button>
      </Alert>
    );
  }
  return <Alert kind="error">{problemMessage(error)}</Alert>;
}
