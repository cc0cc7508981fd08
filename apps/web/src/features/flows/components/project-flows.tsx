import { useState } from 'react';
import { Link } from 'react-router';
import { Card, Loading } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';
import { formatDateTime } from '@/lib/dates';
import { useProjectFlows } from '../api/flows';
import { FLOW_STATUS_WORDS, words } from '../flow-words';

const PAGE = 10;

/** The console project page's flows: each run of a recipe for the project, with how far it got and what needs attention. */
export function ProjectFlowsCard({ projectId }: { projectId: string }) {
  const [page, setPage] = useState(0);
  const flows = useProjectFlows(projectId, page, PAGE);
  return (
    <Card title="Production flows">
      {flows.isPending ? (
        <Loading />
      ) : flows.isError ? (
        <ConsoleProblem error={flows.error} />
      ) : flows.data.items.length ? (
        <>
          <div className="table-wrap">
            <table className="cards" aria-label="Production flows of the project">
              <thead>
                <tr>
                  <th scope="col">Recipe</th>
                  <th scope="col">State</th>
                  <th scope="col">Steps done</th>
                  <th scope="col">Needs attention</th>
                  <th scope="col">Due</th>
                </tr>
              </thead>
              <tbody>
                {flows.data.items.map((f) => {
                  const attention = [
                    f.lateSteps ? `${f.lateSteps} step${f.lateSteps === 1 ? '' : 's'} late` : null,
                    f.openLegs ? `${f.openLegs} leg${f.openLegs === 1 ? '' : 's'} on the way` : null,
                    f.pendingHandoffs ? `${f.pendingHandoffs} hand-off${f.pendingHandoffs === 1 ? '' : 's'} to confirm` : null,
                  ].filter(Boolean);
                  return (
                    <tr key={f.id}>
                      <th scope="row">
                        <Link to={paths.consoleFlow(f.id)}>{f.recipeName}</Link>
                        <div className="small muted">
                          {f.quantity} {f.unit}
                        </div>
                      </th>
                      <td data-label="State">
                        <span className={`badge ${f.status === 'delivered' ? 'badge-ok' : f.status === 'running' ? 'badge-info' : ''}`}>{words(FLOW_STATUS_WORDS, f.status)}</span>
                        {f.deliveredAt ? <div className="small muted">{formatDateTime(f.deliveredAt)}</div> : null}
                      </td>
                      <td data-label="Steps done">
                        {f.stepsDone} of {f.steps}
                      </td>
                      <td data-label="Needs attention">{attention.length ? <span className={f.lateSteps ? 'badge badge-warn' : ''}>{attention.join(', ')}</span> : '—'}</td>
                      <td data-label="Due">{formatDateTime(f.dueAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager page={page} size={PAGE} total={flows.data.total} onPage={setPage} label="Pages of flows" />
        </>
      ) : (
        <p className="muted">No production flow runs for this project. Flows are started through the admin API (POST /admin/flows) from a saved recipe.</p>
      )}
    </Card>
  );
}
