import { Link, useParams } from 'react-router';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { useMyLotTrace } from '@/features/flows/api/flows';
import { LotTraceList } from '@/features/flows/components/lot-trace-list';
import { RequireMember } from '@/features/session/components/require-member';

/** `/me/lots/:id`: the trace of a lot I hold, received or that my nodes touched: from its first maker to where it ended. */
export function MyLotRoute() {
  return <RequireMember>{() => <Trace />}</RequireMember>;
}

function Trace() {
  const { id = '' } = useParams();
  const trace = useMyLotTrace(id);
  if (trace.isPending) return <Loading />;
  if (trace.isError) return <ProblemView error={trace.error} />;
  const { lot } = trace.data;
  const flowId = [lot, ...trace.data.backward, ...trace.data.forward].flatMap((l) => l.handoffs)[0]?.flowId;
  return (
    <Page
      title={`Where these ${lot.quantity} ${lot.unit} of ${lot.item} come from`}
      lead={
        <>
          Every node and carrier that made or moved it, and who confirmed each hand-off. {flowId ? <Link to={paths.myFlow(flowId)}>The whole flow</Link> : null} · <Link to={paths.myHandoffs()}>my hand-offs</Link>
        </>
      }
    >
      <Card title="From maker to recipient">
        <LotTraceList trace={trace.data} lotHref={paths.myLot} />
      </Card>
    </Page>
  );
}
