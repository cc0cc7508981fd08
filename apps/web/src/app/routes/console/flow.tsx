import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Card, Loading, Page } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { useCancelFlow, useConsoleFlow, useRecipe, type FlowView } from '@/features/flows/api/flows';
import { CancelFlow } from '@/features/flows/components/cancel-flow';
import { FlowDiagram, recipientName } from '@/features/flows/components/flow-diagram';
import { HandoffTable } from '@/features/flows/components/handoff-table';
import { withRecipeInputs } from '@/features/flows/flow-layout';
import { FLOW_STATUS_WORDS, LEG_STATUS_WORDS, words } from '@/features/flows/flow-words';
import { formatDateTime } from '@/lib/dates';
import { useNow } from '@/lib/use-now';

/**
 * `/console/flows/:id`: a production flow as a picture (steps and legs with their state), its
 * steps and movements as tables, its legs, its latest hand-offs with a trace link per lot, and
 * the cancel action. Refreshes every 5 s while it runs.
 */
export function ConsoleFlowRoute() {
  const { id = '' } = useParams();
  const flow = useConsoleFlow(id);
  const recipe = useRecipe(flow.data?.recipeId, !!flow.data && flow.data.steps.every((s) => !('inputs' in s)));
  const cancel = useCancelFlow();
  const now = useNow(30_000);
  const [notice, setNotice] = useState<string | null>(null);
  const drawn = useMemo(() => (flow.data ? withRecipeInputs(flow.data, recipe.data?.definition) : null), [flow.data, recipe.data]);
  if (flow.isPending) return <Loading />;
  if (flow.isError) return <ConsoleProblem error={flow.error} />;
  const f = flow.data;
  return (
    <Page
      title={`${f.recipeName}: ${f.quantity} ${f.unit}`}
      lead={
        <p className="small" style={{ margin: 0 }}>
          <span className={`badge ${f.status === 'delivered' ? 'badge-ok' : f.status === 'running' ? 'badge-info' : ''}`}>{words(FLOW_STATUS_WORDS, f.status)}</span> for {recipientName(f)}, due {formatDateTime(f.dueAt)}
          {f.deliveredAt ? `, delivered ${formatDateTime(f.deliveredAt)}` : ''} · started {formatDateTime(f.createdAt)} ·{' '}
          {f.demand.type === 'project' ? <Link to={paths.consoleProject(f.demand.id)}>its project</Link> : <>for order {f.demand.id.slice(0, 8)}</>}
        </p>
      }
    >
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      <Card title="The flow">{drawn ? <FlowDiagram flow={drawn} now={now} /> : null}</Card>
      <LegsCard flow={f} />
      <Card title={`Hand-offs (${f.handoffs.length}${f.handoffs.length >= 50 ? ', the latest 50' : ''})`}>
        <HandoffTable handoffs={f.handoffs} lotHref={paths.consoleLot} label="Hand-offs of the flow" />
      </Card>
      {f.status === 'running' ? (
        <Card title="Cancel">
          <CancelFlow
            onCancel={async (reason) => {
              await cancel.mutateAsync({ id: f.id, reason });
              setNotice('The flow is cancelled: its open jobs are withdrawn.');
            }}
          />
        </Card>
      ) : null}
    </Page>
  );
}

function LegsCard({ flow: f }: { flow: FlowView }) {
  if (!f.legs.length) return null;
  return (
    <Card title={`Transport legs (${f.legs.length})`}>
      <div className="table-wrap">
        <table className="cards" aria-label="Transport legs of the flow">
          <thead>
            <tr>
              <th scope="col">From → to</th>
              <th scope="col">Carrier</th>
              <th scope="col">State</th>
              <th scope="col">Planned arrival</th>
              <th scope="col">Received</th>
            </tr>
          </thead>
          <tbody>
            {f.legs.map((l) => (
              <tr key={l.id}>
                <th scope="row">
                  step {l.fromStep} → {l.toStep ? `step ${l.toStep}` : 'the recipient'}
                  <div className="small muted">
                    {l.quantity} as {l.flowType} · <Link to={paths.consoleLot(l.lotId)}>lot {l.lotId.slice(0, 8)}</Link>
                  </div>
                </th>
                <td data-label="Carrier">{l.carrierName ?? '—'}</td>
                <td data-label="State">
                  <span className={`badge ${l.status === 'received' ? 'badge-ok' : l.status === 'no-carrier' || l.status === 'rejected' ? 'badge-err' : 'badge-info'}`}>{words(LEG_STATUS_WORDS, l.status)}</span>
                </td>
                <td data-label="Planned arrival">{l.plannedDoneAt ? formatDateTime(l.plannedDoneAt) : '—'}</td>
                <td data-label="Received">{l.receivedAt ? formatDateTime(l.receivedAt) : 'not yet'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
