import { Link } from 'react-router';
import { Deadline } from '@/components/ui/deadline';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { useConsoleDecisions, type DecisionStatusFilter } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { StatusFilter, useStatusPages } from '@/features/console/components/status-filter';
import { Pager } from '@/features/console/components/pager';
import { formatDate } from '@/lib/dates';

const PAGE = 20;
export const DECISION_STATUS_WORDS: Record<DecisionStatusFilter, string> = {
  open: 'Open',
  closing: 'Closing',
  decided: 'Decided',
  defaulted: 'Defaulted',
  undecided: 'Undecided',
  cancelled: 'Cancelled',
};
const KIND_WORDS: Record<string, string> = { 'phase-gate': 'Phase gate', 'delivery-confirmation': 'Delivery confirmation', 'round-payout': 'Payout vote' };

/** `/console/decisions`: votes and confirmations, open ones first, with how many have answered (never what). */
export function ConsoleDecisionsRoute() {
  const filter = useStatusPages<DecisionStatusFilter>();
  const { page, setPage } = filter;
  const decisions = useConsoleDecisions(filter.status, page, PAGE);
  return (
    <Page title="Decisions" lead="Votes and confirmations the network waits on. You see who has answered, never what they answered.">
      <StatusFilter value={filter.value} onChange={filter.choose} every="every decision" words={DECISION_STATUS_WORDS} />
      {decisions.isPending ? (
        <Loading />
      ) : decisions.isError ? (
        <ConsoleProblem error={decisions.error} />
      ) : (
        <Card title={`Decisions (${decisions.data.total})`}>
          {decisions.data.items.length ? (
            <ul className="list">
              {decisions.data.items.map((d) => (
                <li key={d.id}>
                  <span>
                    <Link to={paths.consoleDecision(d.id)}>{d.title}</Link>
                    <span className="small muted">
                      {' '}
                      · {KIND_WORDS[d.kind] ?? d.kind} · <span className={`badge ${d.status === 'open' ? 'badge-info' : ''}`}>{DECISION_STATUS_WORDS[d.status as DecisionStatusFilter] ?? d.status}</span>
                    </span>
                  </span>
                  <span className="decision-count">
                    <ProgressBar label={`Answered: ${d.title}`} value={d.answered} max={Math.max(d.asked, 1)} valueText={`${d.answered} of ${d.asked} answered`} />
                    <span className="small">
                      {d.answered} of {d.asked} answered · {d.status === 'open' ? <Deadline at={d.deadline} /> : `deadline ${formatDate(d.deadline)}`}
                    </span>
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No decision here.</p>
          )}
          <Pager page={page} size={PAGE} total={decisions.data.total} onPage={setPage} label="Decision pages" />
        </Card>
      )}
    </Page>
  );
}
