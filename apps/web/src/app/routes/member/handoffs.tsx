import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Card, Loading, Page } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { Pager } from '@/features/console/components/pager';
import { useMyHandoffs } from '@/features/flows/api/flows';
import { HandoffTable } from '@/features/flows/components/handoff-table';
import { PendingHandoffs } from '@/features/flows/components/pending-handoffs';
import { RequireMember } from '@/features/session/components/require-member';
import { problemMessage } from '@/lib/problem';

const PAGE = 20;

/**
 * `/me/handoffs`: goods handed to me, to a pickup point I keep or to a node I own that wait for my
 * answer (confirm what arrived, or refuse it with a reason), and every hand-off I answered, each
 * with a link to the trace of its lot.
 */
export function HandoffsRoute() {
  return (
    <RequireMember>
      {() => (
        <Page title="Hand-offs" lead="When goods of a production flow reach you, a pickup point you keep or a node you own, you confirm what arrived (or refuse it): that answer confirms the work of whoever made or carried them and moves the flow on.">
          <PendingHandoffs />
          <Answered />
        </Page>
      )}
    </RequireMember>
  );
}

function Answered() {
  const [page, setPage] = useState(0);
  const all = useMyHandoffs(undefined, page, PAGE);
  if (all.isPending) return <Loading />;
  if (all.isError) return <Alert kind="error">{problemMessage(all.error)}</Alert>;
  return (
    <Card title={`All your hand-offs (${all.data.total})`}>
      <HandoffTable handoffs={all.data.items} lotHref={paths.myLot} label="Your hand-offs" />
      <Pager page={page} size={PAGE} total={all.data.total} onPage={setPage} label="Pages of hand-offs" />
    </Card>
  );
}
