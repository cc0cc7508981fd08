import { Link } from 'react-router';
import { Deadline } from '@/components/ui/deadline';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { useAgenda } from '@/features/agenda/api/get-agenda';
import { useMyHandoffs } from '@/features/flows/api/flows';
import { partyName } from '@/features/flows/flow-words';
import { RequireMember } from '@/features/session/components/require-member';
import { formatDateTime } from '@/lib/dates';
import { formatMoney, percentOf, toMinor } from '@/lib/money';

/** `/me`: what needs me now, each with its deadline. */
export function MeRoute() {
  return <RequireMember>{(member) => <Agenda name={member.name} />}</RequireMember>;
}

function Agenda({ name }: { name: string }) {
  const agenda = useAgenda();
  const handoffs = useMyHandoffs('pending', 0, 5);
  if (agenda.isPending) return <Loading />;
  if (agenda.isError) return <ProblemView error={agenda.error} />;
  const { decisions, rounds, orderWindows } = agenda.data;
  const deliveries = decisions.filter((d) => d.kind === 'delivery-confirmation');
  const votes = decisions.filter((d) => d.kind !== 'delivery-confirmation');
  const nothing = decisions.length + rounds.length + orderWindows.length + (handoffs.data?.total ?? 0) === 0;
  return (
    <Page title={`Hello, ${name}`} lead={nothing ? 'Nothing needs you right now.' : 'What needs you now, nearest deadline first.'}>
      <div className="grid">
        <Card title={`Decisions (${votes.length})`}>
          {votes.length ? (
            <ul className="list">
              {votes.map((d) => (
                <li key={d.id}>
                  <Link to={paths.decision(d.id)}>{d.title}</Link>
                  <Deadline at={d.deadline} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No decision waits for your answer.</p>
          )}
        </Card>
        <Card title={`Deliveries to confirm (${deliveries.length})`}>
          {deliveries.length ? (
            <ul className="list">
              {deliveries.map((d) => (
                <li key={d.id}>
                  <Link to={paths.decision(d.id)}>{d.title}</Link>
                  <Deadline at={d.deadline} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">Nothing to confirm.</p>
          )}
        </Card>
        <HandoffsCard />
        <Card title={`Open funding rounds (${rounds.length})`}>
          {rounds.length ? (
            <ul className="list">
              {rounds.map((r) => {
                const goal = toMinor(r.goal) ?? 0n;
                const total = toMinor(r.total) ?? 0n;
                return (
                  <li key={r.roundId} style={{ display: 'block' }}>
                    <Link to={paths.round(r.roundId)}>{r.projectName}</Link>
                    <ProgressBar label={`Raised for ${r.projectName}`} value={percentOf(total, goal)} valueText={`${formatMoney(total, r.currency)} of ${formatMoney(goal, r.currency)}`} />
                    <div className="small">
                      <Money minor={r.total} currency={r.currency} /> of <Money minor={r.goal} currency={r.currency} /> · my pledge <Money minor={r.myPledge} currency={r.currency} /> · <Deadline at={r.deadline} />
                    </div>
                  </li>
                );
              })}
            </ul>
          ) : (
            <p className="muted">No round is open.</p>
          )}
        </Card>
        <Card title={`Order windows (${orderWindows.length})`}>
          {orderWindows.length ? (
            <ul className="list">
              {orderWindows.map((w) => (
                <li key={`${w.assetId}-${w.quarter}`}>
                  <span>
                    <Link to={paths.orders(w.assetId)}>
                      {w.assetName}, {w.quarter}
                    </Link>{' '}
                    {w.ordered ? <span className="badge badge-ok">ordered</span> : <span className="badge badge-warn">not ordered yet</span>}
                  </span>
                  <Deadline at={w.closesAt} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No order window is open for what you co-own.</p>
          )}
        </Card>
      </div>
    </Page>
  );
}

/** Goods of production flows handed to me (or a point I keep, or a node I own) that wait for my answer. */
function HandoffsCard() {
  const pending = useMyHandoffs('pending', 0, 5);
  const items = pending.data?.items.filter((h) => h.status === 'pending') ?? [];
  return (
    <Card title={`Hand-offs to confirm (${pending.data ? pending.data.total : '…'})`}>
      {items.length ? (
        <ul className="list">
          {items.map((h) => (
            <li key={h.id}>
              <Link to={paths.myHandoffs()}>
                {h.quantitySent} from {partyName(h.from)}
              </Link>
              <span className="small muted">since {formatDateTime(h.createdAt)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{pending.isError ? 'Hand-offs cannot be read right now.' : 'No goods wait for your confirmation.'}</p>
      )}
      <p className="small" style={{ margin: '.4rem 0 0' }}>
        <Link to={paths.myHandoffs()}>All hand-offs</Link>
      </p>
    </Card>
  );
}
