import { Card, Loading, Page } from '@/components/ui/page';
import { useNetwork } from '@/features/console/api/console';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { LevelChart } from '@/features/console/components/level-chart';
import { LevelHistory } from '@/features/console/components/level-history';
import { formatDuration } from '@/features/jobs/job-words';
import { LEVEL_WORDS, LoadBar } from '@/features/operator/components/node-frame';
import type { SchemaNetworkNodeDto } from '@/lib/api/schema';

/** `/console`: the network, by location: each node's load against its WIP limit, response time, on-time rate and yield. */
export function ConsoleNetworkRoute() {
  const network = useNetwork();
  if (network.isPending) return <Loading />;
  if (network.isError) return <ConsoleProblem error={network.error} />;
  const n = network.data;
  const groups = new Map<string, { name: string; nodes: SchemaNetworkNodeDto[] }>();
  for (const node of n.nodes) {
    const key = node.locationId ?? 'none';
    const g = groups.get(key) ?? { name: node.locationName ?? 'No location', nodes: [] };
    g.nodes.push(node);
    groups.set(key, g);
  }
  const busy = n.nodes.filter((x) => x.load >= x.wipLimit).length;
  return (
    <Page title="The network" lead="Nodes by location, what they can do, how far they are automated, and how much work each holds against its limit. Refreshes on its own.">
      <div className="grid">
        <Card title="Nodes">
          <div className="figures">
            <div className="figure">
              <span className="label">Nodes</span>
              <span className="value">{n.total}</span>
            </div>
            <div className="figure">
              <span className="label">Locations</span>
              <span className="value">{n.locations.filter((l) => l.id).length}</span>
            </div>
            <div className="figure">
              <span className="label">At their WIP limit</span>
              <span className="value">{busy}</span>
            </div>
            <div className="figure">
              <span className="label">Suspended</span>
              <span className="value">{n.nodes.filter((x) => x.status !== 'active').length}</span>
            </div>
          </div>
          <ul className="list small">
            {n.locations.map((l) => (
              <li key={l.id ?? 'none'}>
                <span>{l.name ?? 'No location'}</span>
                <span>
                  {l.count} node{l.count === 1 ? '' : 's'}
                </span>
              </li>
            ))}
          </ul>
          {n.total > n.nodes.length ? <p className="small muted">Showing the first {n.nodes.length} of {n.total} nodes.</p> : null}
        </Card>
        <Card title="Automation levels">
          <LevelChart levels={n.levels} />
          <LevelHistory />
        </Card>
      </div>
      {[...groups.values()].map((g) => (
        <Card key={g.name} title={`${g.name} (${g.nodes.length})`}>
          <div className="table-wrap">
            <table className="cards network-table">
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Level</th>
                  <th scope="col">Jobs in progress</th>
                  <th scope="col">Answers offers in</th>
                  <th scope="col">On time (90 days)</th>
                  <th scope="col" className="num">
                    Made / scrapped
                  </th>
                </tr>
              </thead>
              <tbody>
                {g.nodes.map((x) => (
                  <tr key={x.id}>
                    <th scope="row">
                      {x.name} {x.status !== 'active' ? <span className="badge badge-warn">{x.status}</span> : null}
                      {x.webhookDisabled ? <span className="badge badge-warn">webhooks paused</span> : null}
                      <div className="small muted">
                        {x.ownerName} · {x.capabilities.map((c) => c.function).join(', ')}
                      </div>
                    </th>
                    <td data-label="Level">{LEVEL_WORDS[x.automationLevel] ?? x.automationLevel}</td>
                    <td data-label="Jobs in progress">
                      <LoadBar load={x.load} wipLimit={x.wipLimit} name={x.name} compact />
                      {x.openOffers ? <div className="small">{x.openOffers} offer{x.openOffers === 1 ? '' : 's'} open</div> : null}
                    </td>
                    <td data-label="Answers offers in">{x.responseSeconds === null ? '—' : formatDuration(x.responseSeconds * 1000)}</td>
                    <td data-label="On time">{x.completed ? `${x.onTime} of ${x.completed}` : '—'}</td>
                    <td data-label="Made / scrapped" className="num">
                      {x.made} / {x.scrapped}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      ))}
    </Page>
  );
}
