import { useCallback } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Loading } from '@/components/ui/page';
import { useLinkExchange } from '@/features/session/components/link-exchange';
import { LinkProblem } from '@/features/session/components/link-problem';

/** `/decide/<token>`: the link of a decision email (old and new). Signs in, then opens the decision. */
export function DecideRoute() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const onDone = useCallback((path: string) => void navigate(path, { replace: true }), [navigate]);
  const state = useLinkExchange(token, onDone);
  if (state.status === 'failed') return <LinkProblem error={state.error} link={token} />;
  return <Loading what="Opening your decision" />;
}
