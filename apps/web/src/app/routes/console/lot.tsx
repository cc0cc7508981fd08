import { Link, useParams } from 'react-router';
import { Card, Loading, Page } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { useConsoleLotTrace } from '@/features/flows/api/flows';
import { LotTraceList } from '@/features/flows/components/lot-trace-list';

/** `/console/lots/:id`: a lot's trace, back to every node and carrier that touched what it was made from, and forward to where it ended. */
export function ConsoleLotRoute() {
  const { id = '' } = useParams();
  const trace = useConsoleLotTrace(id);
  if (trace.isPending) return <Loading />;
  if (trace.isError) return <ConsoleProblem error={trace.error} />;
  const { lot } = trace.data;
  // A lot belongs to a flow; its hand-offs (or its neighbours') say which.
  const flowId = [lot, ...trace.data.backward, ...trace.data.forward].flatMap((l) => l.handoffs)[0]?.flowId;
  return (
    <Page
      title={`Trace of ${lot.quantity} ${lot.unit} ${lot.item}`}
      lead={
        <p className="small" style={{ margin: 0 }}>
          Lot <code>{lot.id}</code>, made by {lot.madeBy.nodeName ?? 'a node'} in step {lot.stepKey}.{flowId ? <> <Link to={paths.consoleFlow(flowId)}>Its flow</Link>.</> : null}
        </p>
      }
    >
      <Card title="From maker to recipient">
        <LotTraceList trace={trace.data} lotHref={paths.consoleLot} />
      </Card>
    </Page>
  );
}
