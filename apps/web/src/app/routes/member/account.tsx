import { useState } from 'react';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { Button } from '@/components/ui/button';
import { paths } from '@/config/paths';
import { PAGE_SIZE, useAccount, useStatement } from '@/features/account/api/account';
import { RequireMember } from '@/features/session/components/require-member';
import { formatDateTime } from '@/lib/dates';
import { toMinor } from '@/lib/money';

const KIND_WORDS: Record<string, string> = {
  deposit: 'Deposit',
  withdrawal: 'Withdrawal',
  transfer: 'Transfer',
  'share-sale': 'Share sale',
  'pledge-hold': 'Pledge held',
  'pledge-capture': 'Pledge collected',
  'pledge-release': 'Pledge given back',
  'pledge-refund': 'Pledge refunded',
};

/** `/me/account`: balances, held amounts, and the statement with its running balance and CSV. */
export function AccountRoute() {
  return <RequireMember>{() => <Account />}</RequireMember>;
}

function Account() {
  const account = useAccount();
  const [chosen, setChosen] = useState<string | null>(null);
  const [page, setPage] = useState(0);
  const currency = chosen ?? account.data?.balances[0]?.currency ?? 'EUR';
  const statement = useStatement(currency, page);
  if (account.isPending) return <Loading />;
  if (account.isError) return <ProblemView error={account.error} />;
  const balances = account.data.balances;
  return (
    <Page title="My account">
      <div className="grid">
        {balances.length ? (
          balances.map((b) => (
            <Card key={b.currency} title={b.currency}>
              <div className="figures">
                <div className="figure">
                  <span className="label">Balance</span>
                  <span className="value" data-testid={`balance-${b.currency}`}>
                    <Money minor={b.available} currency={b.currency} />
                  </span>
                </div>
                <div className="figure">
                  <span className="label">Held by pledges</span>
                  <span className="value">
                    <Money minor={b.held} currency={b.currency} />
                  </span>
                </div>
              </div>
            </Card>
          ))
        ) : (
          <Card>
            <p className="muted">Your account has no money in it yet.</p>
          </Card>
        )}
      </div>
      <Card title="Statement">
        <div className="actions" style={{ marginTop: 0, alignItems: 'center' }}>
          {balances.length > 1 ? (
            <label>
              Currency{' '}
              <select
                value={currency}
                onChange={(e) => {
                  setChosen(e.target.value);
                  setPage(0);
                }}
              >
                {balances.map((b) => (
                  <option key={b.currency}>{b.currency}</option>
                ))}
              </select>
            </label>
          ) : null}
          <a className="btn btn-secondary" href={paths.statementCsv(currency)} download>
            Download CSV ({currency})
          </a>
        </div>
        {statement.isPending ? <Loading /> : statement.isError ? <ProblemView error={statement.error} /> : <Entries data={statement.data} currency={currency} />}
        {statement.data && statement.data.total > PAGE_SIZE ? (
          <nav className="pager" aria-label="Statement pages">
            <Button variant="secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Newer
            </Button>
            <span>
              Page {page + 1} of {Math.ceil(statement.data.total / PAGE_SIZE)}
            </span>
            <Button variant="secondary" disabled={(page + 1) * PAGE_SIZE >= statement.data.total} onClick={() => setPage(page + 1)}>
              Older
            </Button>
          </nav>
        ) : null}
      </Card>
    </Page>
  );
}

function Entries({ data, currency }: { data: { items: Array<{ entryId: string; at: string; kind: string; counterparty: string; memo: string | null; amount: string; balanceAfter: string }> }; currency: string }) {
  if (!data.items.length) return <p className="muted">No entries yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">What</th>
            <th scope="col">With</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col" className="num">
              Balance
            </th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((e) => (
            <tr key={e.entryId}>
              <td>{formatDateTime(e.at)}</td>
              <td>{KIND_WORDS[e.kind] ?? e.kind}</td>
              <td>{e.counterparty}</td>
              <td className={`num ${(toMinor(e.amount) ?? 0n) < 0n ? 'neg' : 'pos'}`}>
                <Money minor={e.amount} currency={currency} />
              </td>
              <td className="num">
                <Money minor={e.balanceAfter} currency={currency} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
