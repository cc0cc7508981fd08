import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Deadline } from '@/components/ui/deadline';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { useVoters, type DecisionStatusFilter } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';
import { formatDate, formatDateTime } from '@/lib/dates';
import { DECISION_STATUS_WORDS } from './decisions';

const PAGE = 25;
type Filter = 'all' | 'waiting' | 'answered';

/** `/console/decisions/:id`: who was asked and who has answered (never what), those still to answer first. */
export function ConsoleDecisionRoute() {
  const { id = '' } = useParams();
  const [filter, setFilter] = useState<Filter>('all');
  const [page, setPage] = useState(0);
  const voters = useVoters(id, filter === 'all' ? undefined : filter === 'answered', page, PAGE);
  if (voters.isPending) return <Loading />;
  if (voters.isError) return <ConsoleProblem error={voters.error} />;
  const d = voters.data.decision;
  return (
    <Page
      title={d.title}
      lead={
        <>
          {DECISION_STATUS_WORDS[d.status as DecisionStatusFilter] ?? d.status} · {d.status === 'open' ? <Deadline at={d.deadline} /> : `deadline ${formatDate(d.deadline)}`} ·{' '}
          <Link to={paths.consoleDecisions()}>all decisions</Link>
        </>
      }
    >
      <Card title="Answers">
        <ProgressBar label="Members who have answered" value={d.answered} max={Math.max(d.asked, 1)} valueText={`${d.answered} of ${d.asked} answered`} />
        <p className="small">
          {d.answered} of {d.asked} members have answered. What each answered is theirs: the console shows only whether and when.
        </p>
      </Card>
      <Card title="Who was asked">
        {!voters.data.votersKnown ? (
          <p className="muted">This decision keeps its answers in its workflow (it opened before answers moved to the database): only the counts are known here.</p>
        ) : (
          <>
            <div className="actions" style={{ marginTop: 0 }}>
              <label>
                Show{' '}
                <select
                  value={filter}
                  onChange={(e) => {
                    setFilter(e.target.value as Filter);
                    setPage(0);
                  }}
                >
                  <option value="all">everyone asked</option>
                  <option value="waiting">still to answer</option>
                  <option value="answered">answered</option>
                </select>
              </label>
            </div>
            {voters.data.items.length ? (
              <ul className="list" aria-label="Members asked">
                {voters.data.items.map((v) => (
                  <li key={v.memberId}>
                    <span>{v.name}</span>
                    <span>{v.answered ? <span className="badge badge-ok">answered {v.answeredAt ? formatDateTime(v.answeredAt) : ''}</span> : <span className="badge badge-warn">not yet</span>}</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">Nobody here.</p>
            )}
            <Pager page={page} size={PAGE} total={voters.data.total} onPage={setPage} label="Pages of members asked" />
          </>
        )}
      </Card>
    </Page>
  );
}
