import { Deadline } from '@/components/ui/deadline';
import { Loading, Page } from '@/components/ui/page';
import { useJobBoard } from '@/features/console/api/console';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { formatDuration, jobTitle, leadTimeMs } from '@/features/jobs/job-words';
import { formatDateTime } from '@/lib/dates';
import { useNow } from '@/lib/use-now';

const COLUMN_WORDS: Record<string, { title: string; hint: string }> = {
  waiting: { title: 'Waiting', hint: 'looking for a node, or every capable node is at its limit' },
  offered: { title: 'Offered', hint: 'waiting for the node’s answer' },
  accepted: { title: 'Accepted', hint: 'no progress reported yet' },
  'in-progress': { title: 'In progress', hint: 'the node reports progress' },
  delivered: { title: 'Delivered', hint: 'waiting for the recipient to confirm' },
  confirmed: { title: 'Confirmed', hint: 'done: the latest first' },
  rework: { title: 'Rework', hint: 'a delivery was rejected: back with a node' },
};

/** `/console/jobs`: every job in its column, with lead time and yield; moves on its own as nodes work. */
export function ConsoleJobsRoute() {
  const board = useJobBoard();
  const now = useNow(30_000);
  if (board.isPending) return <Loading />;
  if (board.isError) return <ConsoleProblem error={board.error} />;
  return (
    <Page title="Job board" lead="Each job in its column, soonest due first; lead time runs from the first offer to the confirmation. Refreshes every few seconds.">
      <div className="board">
        {board.data.columns.map((c) => {
          const words = COLUMN_WORDS[c.key] ?? { title: c.key, hint: '' };
          return (
            <section key={c.key} className={`board-column board-${c.key}`} aria-labelledby={`col-${c.key}`}>
              <h2 id={`col-${c.key}`}>
                {words.title} <span className="badge">{c.total}</span>
              </h2>
              <p className="small muted">{words.hint}</p>
              {c.jobs.length ? (
                <ul className="board-list">
                  {c.jobs.map((j) => {
                    const lt = leadTimeMs(j.leadTimes, now);
                    const late = !['delivered', 'confirmed'].includes(j.status) && Date.parse(j.dueAt) < now;
                    return (
                      <li key={j.id} className="board-card" aria-label={jobTitle(j)}>
                        <strong>{jobTitle(j)}</strong>
                        {j.forWhat ? <div className="small muted">for {j.forWhat}</div> : null}
                        <div className="small">{j.nodeName ? `Node: ${j.nodeName}` : 'No node yet'}</div>
                        <div className="small">
                          {j.status === 'confirmed' && j.leadTimes.confirmedAt ? (
                            <>Confirmed {formatDateTime(j.leadTimes.confirmedAt)}</>
                          ) : j.status === 'delivered' && j.leadTimes.completedAt ? (
                            <>Delivered {formatDateTime(j.leadTimes.completedAt)}</>
                          ) : (
                            <>
                              Due <Deadline at={j.dueAt} /> {late ? <span className="badge badge-warn">late</span> : null}
                            </>
                          )}
                        </div>
                        <dl className="board-facts small">
                          <div>
                            <dt>Lead time</dt>
                            <dd>{lt === null ? '—' : formatDuration(lt)}</dd>
                          </div>
                          <div>
                            <dt>Made / scrapped</dt>
                            <dd>
                              {j.yield.made} / {j.yield.scrapped}
                            </dd>
                          </div>
                          {j.progress !== null && ['accepted', 'in-progress'].includes(j.status) ? (
                            <div>
                              <dt>Progress</dt>
                              <dd>{j.progress} %</dd>
                            </div>
                          ) : null}
                          {j.offerCount > 1 ? (
                            <div>
                              <dt>Offers</dt>
                              <dd>{j.offerCount}</dd>
                            </div>
                          ) : null}
                        </dl>
                      </li>
                    );
                  })}
                  {c.total > c.jobs.length ? <li className="small muted">…and {c.total - c.jobs.length} more</li> : null}
                </ul>
              ) : (
                <p className="small muted">None.</p>
              )}
            </section>
          );
        })}
      </div>
    </Page>
  );
}
