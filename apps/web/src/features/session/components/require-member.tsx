import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import type { SchemaSessionMemberDto } from '@/lib/api/schema';
import { useSession } from '../api/session';

/** Renders its page for a signed-in member; otherwise says why not and offers the sign-in page. */
export function RequireMember({ children }: { children: (member: SchemaSessionMemberDto) => ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading />;
  if (session.isError) return <ProblemView error={session.error} />;
  const s = session.data;
  if (!s.member) {
    return (
      <Page title={s.expired ? 'Your session has expired' : 'Please sign in'}>
        <Alert kind="info">{s.expired ? 'Your session has expired. Sign in again to go on.' : 'This page is for members. Sign in with the link we email you: no password needed.'}</Alert>
        <p>
          <Link className="btn btn-primary" to={paths.signIn(location.pathname)}>
            Sign in
          </Link>
        </p>
      </Page>
    );
  }
  return <>{children(s.member)}</>;
}
