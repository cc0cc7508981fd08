import { useState } from 'react';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { useAccount } from '@/features/account/api/account';
import { StatementView } from '@/features/statements/components/statement-view';
import { RequireMember } from '@/features/session/components/require-member';

/** `/me/account`: balances, held amounts, and the statement (entries in words, running balance, by period) with its CSV. */
export function AccountRoute() {
  return <RequireMember>{() => <Account />}</RequireMember>;
}

function Account() {
  const account = useAccount();
  const [chosen, setChosen] = useState<string | null>(null);
  const currency = chosen ?? account.data?.balances[0]?.currency ?? 'EUR';
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
        <StatementView
          key={currency}
          source={{ kind: 'member' }}
          currency={currency}
          actions={
            <>
              {balances.length > 1 ? (
                <label>
                  Currency
                  <br />
                  <select value={currency} onChange={(e) => setChosen(e.target.value)}>
                    {balances.map((b) => (
                      <option key={b.currency}>{b.currency}</option>
                    ))}
                  </select>
                </label>
              ) : null}
              <a className="btn btn-secondary" href={paths.statementCsv(currency)} download>
                Download CSV ({currency})
              </a>
            </>
          }
        />
      </Card>
    </Page>
  );
}
