import { Link, useParams } from 'react-router';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { useMyFlow } from '@/features/flows/api/flows';
import { FlowDiagram } from '@/features/flows/components/flow-diagram';
import { FLOW_STATUS_WORDS, words } from '@/features/flows/flow-words';
import { RequireMember } from '@/features/session/components/require-member';
import { formatDateTime } from '@/lib/dates';
import { useNow } from '@/lib/use-now';

/** `/me/flows/:id`: a flow I receive or my nodes work in, as a picture of its steps and legs with their state. */
export function MyFlowRoute() {
  return <RequireMember>{() => <Flow />}</RequireMember>;
}

function Flow() {
  const { id = '' } = useParams();
  const flow = useMyFlow(id);
  const now = useNow(30_000);
  if (flow.isPending) return <Loading />;
  if (flow.isError) return <ProblemView error={flow.error} />;
  const f = flow.data;
  return (
    <Page
      title={`${f.recipeName}: ${f.quantity} ${f.unit}`}
      lead={
        <>
          <span className={`badge ${f.status === 'delivered' ? 'badge-ok' : f.status === 'running' ? 'badge-info' : ''}`}>{words(FLOW_STATUS_WORDS, f.status)}</span> due {formatDateTime(f.dueAt)}
          {f.deliveredAt ? `, delivered ${formatDateTime(f.deliveredAt)}` : ''} · <Link to={paths.myHandoffs()}>my hand-offs</Link>
        </>
      }
    >
      <Card title="The flow">
        <FlowDiagram flow={f} now={now} />
      </Card>
    </Page>
  );
}
