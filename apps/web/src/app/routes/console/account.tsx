import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { downloadStatementCsv, useStatement } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';
import { formatDateTime } from '@/lib/dates';
import { toMinor } from '@/lib/money';
import { problemMessage } from '@/lib/problem';

const PAGE = 25;

/** `/console/ledger/:id`: one account by its owner's name: every entry with the other side and the running balance; the whole of it as CSV. */
export function ConsoleAccountRoute() {
  const { id = '' } = useParams();
  const [page, setPage] = useState(0);
  const [csv, setCsv] = useState<{ busy: boolean; error: unknown; saved: string | null }>({ busy: false, error: null, saved: null });
  const s = useStatement(id, page, PAGE);
  if (s.isPending) return <Loading />;
  if (s.isError) return <ConsoleProblem error={s.error} />;
  const { account } = s.data;
  async function download() {
    setCsv({ busy: true, error: null, saved: null });
    try {
      setCsv({ busy: false, error: null, saved: await downloadStatementCsv(id) });
    } catch (error) {
      setCsv({ busy: false, error, saved: null });
    }
  }
  return (
    <Page
      title={account.owner}
      lead={
        <>
          Balance <Money minor={account.balance} currency={account.currency} /> · {account.kind} account in {account.currency} · <Link to={paths.consoleLedger()}>all accounts</Link>
        </>
      }
      actions={
        <Button variant="secondary" busy={csv.busy} onClick={() => void download()}>
          Download CSV
        </Button>
      }
    >
      {csv.error ? <Alert kind="error">{problemMessage(csv.error)}</Alert> : null}
      {csv.saved ? (
        <p className="small muted" role="status">
          Saved {csv.saved}: every entry, oldest first, in minor units and as amounts.
        </p>
      ) : null}
      <Card title={`Statement (${s.data.total} entries)`}>
        {s.data.items.length ? (
          <div className="table-wrap">
            <table className="cards">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col" className="num">
                    Balance
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.data.items.map((e) => (
                  <tr key={e.entryId}>
                    <th scope="row">{formatDateTime(e.at)}</th>
                    <td data-label="What">
                      {e.counterparty || '—'}
                      <div className="small muted">
                        {e.kind}
                        {e.memo ? ` · ${e.memo}` : ''}
                      </div>
                    </td>
                    <td data-label="Amount" className={`num ${(toMinor(e.amount) ?? 0n) < 0n ? 'neg' : ''}`}>
                      <Money minor={e.amount} currency={account.currency} />
                    </td>
                    <td data-label="Balance" className="num">
                      <Money minor={e.balanceAfter} currency={account.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No entry yet.</p>
        )}
        <Pager page={page} size={PAGE} total={s.data.total} onPage={setPage} label="Statement pages" />
      </Card>
    </Page>
  );
}
