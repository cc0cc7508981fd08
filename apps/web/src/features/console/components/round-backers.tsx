import { useState } from 'react';
import { Money } from '@/components/ui/money';
import { formatDateTime } from '@/lib/dates';
import { useBackers } from '../api/console-pages';
import { ConsoleProblem } from './console-problem';
import { Pager } from './pager';

const PAGE = 10;

/** What a backer's pledge is now, in words, beside the amount. */
export function backerState(b: { amount: string; captured: string; returned: boolean }): string | null {
  if (b.returned) return 'given back';
  if (b.captured !== '0') return 'collected';
  return null;
}

/** A round's backers by name, newest change first, under its progress bar: opened on demand, then live. */
export function RoundBackers({ roundId, backers, projectName }: { roundId: string; backers: number; projectName: string }) {
  const [open, setOpen] = useState(false);
  const [page, setPage] = useState(0);
  const list = useBackers(roundId, page, PAGE, open);
  return (
    <details className="backers" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Backers ({backers})
      </summary>
      {!open ? null : list.isPending ? (
        <p className="muted small">Loading…</p>
      ) : list.isError ? (
        <ConsoleProblem error={list.error} />
      ) : list.data.items.length === 0 ? (
        <p className="muted small">No pledge yet.</p>
      ) : (
        <>
          <ul className="list small" aria-label={`Backers of ${projectName}`}>
            {list.data.items.map((b) => {
              const state = backerState(b);
              return (
                <li key={b.memberId}>
                  <span>
                    {b.name}
                    {state ? (
                      <>
                        {' '}
                        <span className="badge">{state}</span>
                      </>
                    ) : null}
                  </span>
                  <span>
                    <Money minor={b.amount} currency={list.data.currency} /> <span className="muted">· {formatDateTime(b.pledgedAt)}</span>
                  </span>
                </li>
              );
            })}
          </ul>
          <Pager page={page} size={PAGE} total={list.data.total} onPage={setPage} label={`Backers of ${projectName}, pages`} />
        </>
      )}
    </details>
  );
}
