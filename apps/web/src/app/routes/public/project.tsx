import { Link, useParams } from 'react-router';
import { Deadline } from '@/components/ui/deadline';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { PhaseTimeline, phaseName } from '@/components/ui/phase-timeline';
import { ProblemView } from '@/components/ui/problem-view';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { useProject } from '@/features/projects/api/projects';
import { useSession } from '@/features/session/api/session';
import { formatDate } from '@/lib/dates';
import { formatMoney, percentOf, toMinor } from '@/lib/money';

/** `/projects/:id`: description, phases as a picture, rounds with live totals, outputs with licences. */
export function ProjectRoute() {
  const { id = '' } = useParams();
  const project = useProject(id);
  const session = useSession();
  if (project.isPending) return <Loading />;
  if (project.isError) return <ProblemView error={project.error} />;
  const p = project.data;
  const member = !!session.data?.member;
  return (
    <Page title={p.name} lead={p.description ?? undefined}>
      <Card title="Phases">
        <PhaseTimeline phases={p.phases} />
      </Card>
      <Card title="Funding rounds">
        {p.rounds.length ? (
          <ul className="list">
            {p.rounds.map((r) => {
              const total = toMinor(r.total) ?? 0n;
              const goal = toMinor(r.goal) ?? 0n;
              return (
                <li key={r.roundId} style={{ display: 'block' }}>
                  <strong>{r.phase ? `${phaseName(r.phase)} budget` : 'Round'}</strong> <span className="badge">{r.status}</span>
                  <ProgressBar label={`Raised in the ${r.phase ? phaseName(r.phase) : ''} round`} value={percentOf(total, goal)} valueText={`${formatMoney(total, r.currency)} of ${formatMoney(goal, r.currency)}`} />
                  <div className="small">
                    <Money minor={r.total} currency={r.currency} /> of <Money minor={r.goal} currency={r.currency} /> · {r.backers} backers · {r.status === 'open' ? <Deadline at={r.deadline} /> : `deadline ${formatDate(r.deadline)}`}
                  </div>
                  {r.documents.length ? (
                    <ul className="small">
                      {r.documents.map((d) => (
                        <li key={d.url}>
                          <a href={d.url} rel="noreferrer noopener" target="_blank">
                            {d.title}
                          </a>{' '}
                          <code className="hash">{d.contentHash}</code>
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  {r.status === 'open' ? (
                    <p className="small">
                      <Link to={member ? paths.round(r.roundId) : paths.signIn(paths.round(r.roundId))}>{member ? 'Pledge on the round’s page' : 'Sign in to pledge'}</Link>
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ul>
        ) : (
          <p className="muted">No funding round yet.</p>
        )}
      </Card>
      <Card title="Outputs">
        {p.outputs.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Output</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Licence</th>
                </tr>
              </thead>
              <tbody>
                {p.outputs.map((o) => (
                  <tr key={o.url}>
                    <td>
                      <a href={o.url} rel="noreferrer noopener" target="_blank">
                        {o.title}
                      </a>
                      {o.contentHash ? (
                        <div>
                          <code className="hash">{o.contentHash}</code>
                        </div>
                      ) : null}
                    </td>
                    <td>{phaseName(o.phase)}</td>
                    <td>{o.licence ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No designs or reports published yet.</p>
        )}
      </Card>
    </Page>
  );
}
