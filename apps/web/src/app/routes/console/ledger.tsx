import { useState } from 'react';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { useAccounts, type AccountKindFilter } from '@/features/console/api/console';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { toMinor } from '@/lib/money';

const KIND_WORDS: Record<AccountKindFilter, string> = {
  member: 'Member',
  hold: 'Pledge held',
  project: 'Project',
  organiser: 'Organiser',
  round: 'Funding round',
  escrow: 'Round escrow',
  external: 'Outside world',
  asset: 'Asset income',
};
const PAGE = 50;

/** `/console/ledger`: the trial balance, and every account by its owner's name with its balance. */
export function ConsoleLedgerRoute() {
  const [kind, setKind] = useState<AccountKindFilter | ''>('');
  const [page, setPage] = useState(0);
  const accounts = useAccounts(kind || undefined, page, PAGE);
  return (
    <Page title="Ledger" lead="Double entry: every movement has two sides, so each currency sums to zero. Balances are derived from the entries.">
      {accounts.isPending ? (
        <Loading />
      ) : accounts.isError ? (
        <ConsoleProblem error={accounts.error} />
      ) : (
        <>
          <Card title="Trial balance">
            {accounts.data.trialBalance.length ? (
              <div className="figures">
                {accounts.data.trialBalance.map((t) => (
                  <div key={t.currency} className="figure">
                    <span className="label">{t.currency}</span>
                    <span className="value">
                      <Money minor={t.total} currency={t.currency} />{' '}
                      {toMinor(t.total) === 0n ? <span className="badge badge-ok">balanced</span> : <span className="badge badge-warn">does not sum to zero</span>}
                    </span>
                  </div>
                ))}
              </div>
            ) : (
              <p className="muted">No money has moved yet.</p>
            )}
          </Card>
          <Card title={`Accounts (${accounts.data.total})`}>
            <div className="actions" style={{ marginTop: 0 }}>
              <label>
                Kind{' '}
                <select
                  value={kind}
                  onChange={(e) => {
                    setKind(e.target.value as AccountKindFilter | '');
                    setPage(0);
                  }}
                >
                  <option value="">all</option>
                  {Object.entries(KIND_WORDS).map(([k, w]) => (
                    <option key={k} value={k}>
                      {w}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {accounts.data.items.length ? (
              <div className="table-wrap">
                <table className="cards">
                  <thead>
                    <tr>
                      <th scope="col">Owner</th>
                      <th scope="col">Kind</th>
                      <th scope="col" className="num">
                        Balance
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {accounts.data.items.map((a) => (
                      <tr key={a.id}>
                        <th scope="row">
                          <Link to={paths.consoleAccount(a.id)}>{a.owner}</Link>
                        </th>
                        <td data-label="Kind">{KIND_WORDS[a.kind] ?? a.kind}</td>
                        <td data-label="Balance" className={`num ${(toMinor(a.balance) ?? 0n) < 0n ? 'neg' : ''}`}>
                          <Money minor={a.balance} currency={a.currency} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">No account of this kind.</p>
            )}
            {accounts.data.total > PAGE ? (
              <nav className="pager" aria-label="Account pages">
                <Button variant="secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>
                  Previous
                </Button>
                <span>
                  Page {page + 1} of {Math.ceil(accounts.data.total / PAGE)}
                </span>
                <Button variant="secondary" disabled={(page + 1) * PAGE >= accounts.data.total} onClick={() => setPage(page + 1)}>
                  Next
                </Button>
              </nav>
            ) : null}
          </Card>
        </>
      )}
    </Page>
  );
}
