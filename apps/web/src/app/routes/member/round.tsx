import { Link, useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Deadline } from '@/components/ui/deadline';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { useRound } from '@/features/rounds/api/get-round';
import { useSetPledge } from '@/features/rounds/api/set-pledge';
import { PledgeForm } from '@/features/rounds/components/pledge-form';
import { RequireMember } from '@/features/session/components/require-member';
import { formatMoney, percentOf, toMinor } from '@/lib/money';
import { useNow } from '@/lib/use-now';

const STATUS_WORDS: Record<string, string> = {
  open: 'Open for pledges',
  closing: 'Closing',
  capturing: 'Goal met: collecting the pledges',
  'awaiting-payout': 'Goal met: waiting for the payout to be approved',
  'paying-out': 'Paying out',
  funded: 'Funded',
  failed: 'Not funded',
  releasing: 'Giving the pledges back',
  cancelled: 'Cancelled',
  opening: 'Opening',
};

/** `/rounds/:id`: the project, its legal documents, the live total, and my pledge. */
export function RoundRoute() {
  const { id = '' } = useParams();
  return <RequireMember>{() => <RoundPage id={id} />}</RequireMember>;
}

function RoundPage({ id }: { id: string }) {
  const round = useRound(id);
  const pledge = useSetPledge(id);
  const now = useNow(5000);
  if (round.isPending) return <Loading />;
  if (round.isError) return <ProblemView error={round.error} />;
  const r = round.data;
  const goal = toMinor(r.goal) ?? 0n;
  const total = toMinor(r.total) ?? 0n;
  const open = r.status === 'open' && new Date(r.deadline).getTime() > now;
  return (
    <Page title={r.projectName} lead={r.projectDescription ?? undefined} actions={<Link to={paths.project(r.projectId)}>Project page</Link>}>
      <Card title="Funding round">
        <p>
          <span className={`badge ${open ? 'badge-info' : r.status === 'funded' ? 'badge-ok' : ''}`}>{STATUS_WORDS[r.status] ?? r.status}</span>
          {r.reason ? <span className="muted small"> {r.reason}</span> : null}
        </p>
        <ProgressBar label="Raised so far" value={percentOf(total, goal)} valueText={`${formatMoney(total, r.currency)} of ${formatMoney(goal, r.currency)}`} />
        <div className="figures">
          <div className="figure">
            <span className="label">Raised</span>
            <span className="value" data-testid="round-total">
              <Money minor={r.total} currency={r.currency} />
            </span>
          </div>
          <div className="figure">
            <span className="label">Goal</span>
            <span className="value">
              <Money minor={r.goal} currency={r.currency} />
            </span>
          </div>
          <div className="figure">
            <span className="label">Backers</span>
            <span className="value">{r.backers}</span>
          </div>
          <div className="figure">
            <span className="label">Deadline</span>
            <span className="value small">
              <Deadline at={r.deadline} />
            </span>
          </div>
        </div>
        <p className="muted small">All or nothing: pledges are collected only if the goal is met by the deadline{r.closeWhenGoalMet ? ' (the round closes as soon as it is)' : ''}; otherwise every pledge is given back.</p>
      </Card>
      <Card title="My pledge">
        {open ? (
          <PledgeForm
            currency={r.currency}
            minPledge={toMinor(r.minPledge) ?? 1n}
            available={toMinor(r.available) ?? 0n}
            current={toMinor(r.myPledge) ?? 0n}
            onPledge={(amount) => pledge.mutateAsync(amount)}
          />
        ) : (
          <>
            <p>
              My pledge: <Money minor={r.myPledge} currency={r.currency} />
            </p>
            <Alert kind="info">The round has closed: pledges can no longer be changed.</Alert>
          </>
        )}
      </Card>
      <Card title="Legal documents">
        {r.documents.length ? (
          <ul className="list">
            {r.documents.map((d) => (
              <li key={d.url} style={{ display: 'block' }}>
                <a href={d.url} rel="noreferrer noopener" target="_blank">
                  {d.title}
                </a>
                <div>
                  <code className="hash" title="The document’s SHA-256: check that the file you read is the one posted">
                    {d.contentHash}
                  </code>
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">This round has no documents attached.</p>
        )}
      </Card>
    </Page>
  );
}
