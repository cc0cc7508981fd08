import { useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { Money } from '@/components/ui/money';
import { Loading } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import type { SchemaAccountStatementDto } from '@/lib/api/schema';
import { formatDateTime } from '@/lib/dates';
import { toMinor } from '@/lib/money';
import { useStatement, type StatementSource } from '../api/statements';

/** A day typed in a date field, as the instant it starts in the viewer's time zone. */
const startOf = (day: string) => new Date(`${day}T00:00:00`).toISOString();
/** The end of a day typed in a date field (the next day's start): `to` is exclusive. */
const endOf = (day: string) => {
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + 1);
  return d.toISOString();
};

/**
 * An account's statement: the period (from and to, whole days in the viewer's time zone), its
 * opening and closing balance, each entry in words with the balance after it, newest first, a
 * page at a time (Older follows the API's cursor; Newer goes back along the cursors seen).
 * `receipt` draws the way to a paid job's receipt beside its entries.
 */
export function StatementView({ source, currency, receipt, actions }: { source: StatementSource; currency?: string; receipt?: (jobId: string, nodeId: string | null) => ReactNode; actions?: ReactNode }) {
  const [period, setPeriod] = useState<{ from: string; to: string }>({ from: '', to: '' });
  const [draft, setDraft] = useState(period);
  const [cursors, setCursors] = useState<string[]>([]);
  const statement = useStatement(source, { currency, from: period.from ? startOf(period.from) : undefined, to: period.to ? endOf(period.to) : undefined, cursor: cursors.at(-1) });
  const badPeriod = !!draft.from && !!draft.to && draft.from > draft.to;
  const s = statement.data;
  const money = s?.currency ?? currency ?? 'EUR';
  return (
    <>
      <form
        className="actions statement-period"
        style={{ marginTop: 0, alignItems: 'flex-end' }}
        onSubmit={(e) => {
          e.preventDefault();
          if (badPeriod) return;
          setPeriod(draft);
          setCursors([]);
        }}
      >
        <label>
          From
          <br />
          <input type="date" value={draft.from} max={draft.to || undefined} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          To
          <br />
          <input type="date" value={draft.to} min={draft.from || undefined} onChange={(e) => setDraft({ ...draft, to: e.target.value })} aria-describedby={badPeriod ? 'period-error' : undefined} />
        </label>
        <Button type="submit" variant="secondary" disabled={badPeriod}>
          Show period
        </Button>
        {period.from || period.to ? (
          <Button
            type="button"
            variant="secondary"
            onClick={() => {
              setDraft({ from: '', to: '' });
              setPeriod({ from: '', to: '' });
              setCursors([]);
            }}
          >
            All entries
          </Button>
        ) : null}
        {actions}
      </form>
      {badPeriod ? (
        <p id="period-error" className="field-error" role="alert">
          The end of the period is before its start.
        </p>
      ) : null}
      {statement.isPending ? (
        <Loading />
      ) : statement.isError ? (
        <ProblemView error={statement.error} />
      ) : s ? (
        <>
          <div className="figures">
            <div className="figure">
              <span className="label">{period.from ? 'Opening balance' : 'Opening balance (start)'}</span>
              <span className="value" data-testid="statement-opening">
                <Money minor={s.opening} currency={money} />
              </span>
            </div>
            <div className="figure">
              <span className="label">{period.to ? 'Closing balance' : 'Balance now'}</span>
              <span className="value" data-testid="statement-closing">
                <Money minor={s.closing} currency={money} />
              </span>
            </div>
            <div className="figure">
              <span className="label">Entries</span>
              <span className="value">{s.total}</span>
            </div>
          </div>
          <Entries data={s} currency={money} receipt={receipt} />
          {cursors.length || s.nextCursor ? (
            <nav className="pager" aria-label="Statement pages">
              <Button variant="secondary" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer
              </Button>
              <span>Page {cursors.length + 1}</span>
              <Button variant="secondary" disabled={!s.nextCursor} onClick={() => s.nextCursor && setCursors([...cursors, s.nextCursor])}>
                Older
              </Button>
            </nav>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function Entries({ data, currency, receipt }: { data: SchemaAccountStatementDto; currency: string; receipt?: (jobId: string, nodeId: string | null) => ReactNode }) {
  if (!data.items.length) return <p className="muted">No entries in this period.</p>;
  return (
    <div className="table-wrap">
      <table className="cards statement">
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
              <td data-label="Date">{formatDateTime(e.at)}</td>
              <th scope="row">
                {e.description}
                {e.jobId && receipt && e.jobPaid ? <> {receipt(e.jobId, e.jobNodeId)}</> : null}
              </th>
              <td data-label="With">{e.counterparty}</td>
              <td data-label="Amount" className={`num ${(toMinor(e.amount) ?? 0n) < 0n ? 'neg' : 'pos'}`}>
                <Money minor={e.amount} currency={currency} />
              </td>
              <td data-label="Balance" className="num">
                <Money minor={e.balanceAfter} currency={currency} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A link to a receipt the browser opens with the session's cookie (member and node pages). */
export function ReceiptLink({ href }: { href: string }) {
  return (
    <a className="small" href={href} target="_blank" rel="noopener">
      Receipt
    </a>
  );
}
