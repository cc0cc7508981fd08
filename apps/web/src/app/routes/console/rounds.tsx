import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { Deadline } from '@/components/ui/deadline';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { useApprovePayout, useCancelRound, useRounds, type RoundStatusFilter } from '@/features/console/api/console';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { StatusFilter, useStatusPages } from '@/features/console/components/status-filter';
import { useWhoAmI } from '@/features/people/api/people';
import { RoundActions } from '@/features/console/components/round-actions';
import { RoundBackers } from '@/features/console/components/round-backers';
import { formatDate } from '@/lib/dates';
import { formatMoney, percentOf, toMinor } from '@/lib/money';

const STATUS_WORDS: Record<string, string> = {
  opening: 'Opening',
  open: 'Open',
  closing: 'Closing',
  capturing: 'Collecting pledges',
  'awaiting-payout': 'Awaiting payout approval',
  'paying-out': 'Paying out',
  funded: 'Funded',
  releasing: 'Giving pledges back',
  failed: 'Not funded',
  cancelled: 'Cancelled',
};
const PAGE = 20;

/** `/console/rounds`: every round with its live total as a progress bar; approve a payout or cancel. */
export function ConsoleRoundsRoute() {
  const filter = useStatusPages<RoundStatusFilter>();
  const { page, setPage } = filter;
  const rounds = useRounds(filter.status, page, PAGE);
  const approve = useApprovePayout();
  const cancel = useCancelRound();
  // A viewer reads only: no button that the API would refuse.
  const viewer = useWhoAmI().data?.coordinator?.role === 'viewer';
  return (
    <Page title="Funding rounds" lead="Rounds that wait for you first (a payout to approve), then the open ones. Totals are live.">
      <StatusFilter value={filter.value} onChange={filter.choose} every="every round" words={STATUS_WORDS} counts={rounds.data?.byStatus} />
      {rounds.isPending ? (
        <Loading />
      ) : rounds.isError ? (
        <ConsoleProblem error={rounds.error} />
      ) : rounds.data.items.length === 0 ? (
        <Card>
          <p className="muted">No round here.</p>
        </Card>
      ) : (
        <div className="grid">
          {rounds.data.items.map((r) => {
            const goal = toMinor(r.goal) ?? 0n;
            const total = toMinor(r.total) ?? 0n;
            const pct = percentOf(total, goal);
            return (
              <Card key={r.roundId} title={<Link to={paths.project(r.projectId)}>{r.projectName}</Link>}>
                <p>
                  <span className={`badge ${r.status === 'awaiting-payout' ? 'badge-warn' : r.status === 'open' ? 'badge-info' : r.status === 'funded' ? 'badge-ok' : ''}`}>{STATUS_WORDS[r.status] ?? r.status}</span>
                  {r.reason ? <span className="small muted"> {r.reason}</span> : null}
                </p>
                <ProgressBar label={`Raised for ${r.projectName}`} value={pct} valueText={`${formatMoney(total, r.currency)} of ${formatMoney(goal, r.currency)} (${pct} %)`} />
                <p className="small">
                  <Money minor={r.total} currency={r.currency} /> of <Money minor={r.goal} currency={r.currency} /> · {r.backers} backer{r.backers === 1 ? '' : 's'}
                  <br />
                  {['open', 'opening'].includes(r.status) ? (
                    <>
                      Closes <Deadline at={r.deadline} />
                    </>
                  ) : (
                    <>Deadline {formatDate(r.deadline)}</>
                  )}
                  {r.payoutApproval === 'members' ? ' · payout decided by the backers’ vote' : ''}
                </p>
                <RoundBackers roundId={r.roundId} backers={r.backers} projectName={r.projectName} />
                {viewer ? null : <RoundActions round={r} onApprove={(id) => approve.mutateAsync(id)} onCancel={(a) => cancel.mutateAsync(a)} />}
              </Card>
            );
          })}
        </div>
      )}
      {rounds.data && rounds.data.total > PAGE ? (
        <nav className="pager" aria-label="Round pages">
          <Button variant="secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </Button>
          <span>
            Page {page + 1} of {Math.ceil(rounds.data.total / PAGE)}
          </span>
          <Button variant="secondary" disabled={(page + 1) * PAGE >= rounds.data.total} onClick={() => setPage(page + 1)}>
            Next
          </Button>
        </nav>
      ) : null}
    </Page>
  );
}
