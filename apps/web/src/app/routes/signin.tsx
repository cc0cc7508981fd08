import { useSearchParams } from 'react-router';
import { Page } from '@/components/ui/page';
import { requestSignInLink } from '@/features/session/api/session';
import { SignInForm } from '@/features/session/components/sign-in-form';

export function SignInRoute() {
  const [params] = useSearchParams();
  const next = params.get('next') ?? undefined;
  return (
    <Page title="Sign in" lead="Members sign in with a link sent by email. It works once, for 15 minutes.">
      <div className="card">
        <SignInForm onRequest={(email) => requestSignInLink({ email, ...(next && /^\/[A-Za-z0-9/_-]*$/.test(next) ? { next } : {}) })} />
      </div>
    </Page>
  );
}
