import { Link, useLocation } from 'react-router';
import { paths } from '@/config/paths';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { Alert } from './alert';
import { Page } from './page';

/** A page that could not be shown, in words, with the way on (sign in again, go back). */
export function ProblemView({ error, title }: { error: unknown; title?: string }) {
  const location = useLocation();
  const auth = error instanceof ApiProblem && (error.code === 'unauthorized' || error.code === 'session_expired');
  const heading = title ?? (auth ? (error.code === 'session_expired' ? 'Your session has expired' : 'Please sign in') : error instanceof ApiProblem && error.status === 404 ? 'Not found' : error instanceof ApiProblem && error.status === 403 ? 'Not yours to see' : 'This page cannot be shown');
  return (
    <Page title={heading}>
      <Alert kind={auth ? 'info' : 'error'}>{problemMessage(error)}</Alert>
      <p>
        {auth ? (
          <Link className="btn btn-primary" to={paths.signIn(location.pathname)}>
            Sign in
          </Link>
        ) : (
          <Link to={paths.home()}>Go to the start page</Link>
        )}
      </p>
    </Page>
  );
}
