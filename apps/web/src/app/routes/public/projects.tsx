import { Link } from 'react-router';
import { Deadline } from '@/components/ui/deadline';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { phaseName } from '@/components/ui/phase-timeline';
import { ProblemView } from '@/components/ui/problem-view';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { useAssets } from '@/features/assets/api/assets';
import { useProjects } from '@/features/projects/api/projects';
import { formatMoney, percentOf, toMinor } from '@/lib/money';

/** `/projects`: what the network is raising money for and building, for anyone. */
export function ProjectsRoute() {
  const projects = useProjects();
  const assets = useAssets();
  if (projects.isPending) return <Loading />;
  if (projects.isError) return <ProblemView error={projects.error} />;
  return (
    <Page title="Projects" lead="Production projects of the network that are raising money or under way. Anyone can follow them; members pledge and vote.">
      {projects.data.items.length === 0 ? <p className="muted">No project is under way right now.</p> : null}
      <div className="grid">
        {projects.data.items.map((p) => {
          const r = p.round;
          const total = toMinor(r?.total) ?? 0n;
          const goal = toMinor(r?.goal) ?? 0n;
          return (
            <Card key={p.id} title={<Link to={paths.project(p.id)}>{p.name}</Link>}>
              <p className="small">
                <span className="badge badge-info">{phaseName(p.phase)}</span> <span className="muted">phase {Math.min(p.phasesDone + 1, 4)} of 4</span>
              </p>
              {p.description ? <p>{p.description}</p> : null}
              {r ? (
                <>
                  <ProgressBar label={`Raised for ${p.name}`} value={percentOf(total, goal)} valueText={`${formatMoney(total, r.currency)} of ${formatMoney(goal, r.currency)}`} />
                  <p className="small">
                    <Money minor={r.total} currency={r.currency} /> of <Money minor={r.goal} currency={r.currency} /> from {r.backers} backers ·{' '}
                    {r.status === 'open' ? <Deadline at={r.deadline} /> : <span className="muted">round {r.status}</span>}
                  </p>
                </>
              ) : null}
            </Card>
          );
        })}
      </div>
      {assets.data && assets.data.items.length ? (
        <>
          <h2 style={{ marginTop: '1.5rem' }}>Shared equipment</h2>
          <Card>
            <ul className="list">
              {assets.data.items.map((a) => (
                <li key={a.assetId}>
                  <Link to={paths.asset(a.assetId)}>{a.name}</Link>
                  <span className="muted small">
                    {a.kind} · {a.owners} owners{a.producing ? ' · takes orders' : ''}
                  </span>
                </li>
              ))}
            </ul>
          </Card>
        </>
      ) : null}
    </Page>
  );
}
