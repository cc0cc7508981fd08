import { useState } from 'react';
import { Link } from 'react-router';
import { Money } from '@/components/ui/money';
import { OwnershipChart } from '@/components/ui/ownership-chart';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { useHoldings, useMyDistributions } from '@/features/holdings/api/holdings';
import { formatDate } from '@/lib/dates';
import { RequireMember } from '@/features/session/components/require-member';

/** `/me/holdings`: what I own parts of, beside the other owners, and what it makes this quarter. */
export function HoldingsRoute() {
  return <RequireMember>{() => <Holdings />}</RequireMember>;
}

function Holdings() {
  const h = useHoldings();
  if (h.isPending) return <Loading />;
  if (h.isError) return <ProblemView error={h.error} />;
  return (
    <Page title="My holdings" lead={h.data.assets.length ? 'Equipment you co-own, in undivided fractions: its output is shared by them.' : 'You do not own part of any asset yet.'}>
      <nav aria-label="Trade and lease" className="subnav">
        <Link to={paths.market()}>My market: sell, bid, trades</Link> · <Link to={paths.leases()}>My leases</Link> · <Link to={paths.buyouts()}>Buy-outs</Link>
      </nav>
      {h.data.assets.map((a) => (
        <Card key={a.assetId} title={<Link to={paths.asset(a.assetId)}>{a.name}</Link>}>
          <p>
            <Link to={`${paths.asset(a.assetId)}#market`}>Its market</Link>
          </p>
          <p>
            You own <strong>{a.myPercent}</strong> ({a.myParts} of {a.totalParts} parts) and receive <strong>{a.myOutputPercent}</strong> of its output.{' '}
            <span className="muted small">
              {a.kind} · {a.identifier}
            </span>
          </p>
          <div className="grid">
            <OwnershipChart label={`Ownership of ${a.name}`} owners={a.owners} />
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Owners of {a.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Owner</th>
                    <th scope="col" className="num">
                      Share
                    </th>
                    <th scope="col" className="num">
                      Parts
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {a.owners.map((o) => (
                    <tr key={o.name}>
                      <th scope="row">{o.isMe ? <strong>{o.name} (you)</strong> : o.name}</th>
                      <td className="num">{o.percent}</td>
                      <td className="num">{o.parts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
          {a.producing ? (
            <>
              <h3>{a.thisQuarter ? `${a.thisQuarter.status === 'planned' ? 'Growing' : 'Ordering'} in ${a.thisQuarter.quarter}` : 'This quarter'}</h3>
              {a.thisQuarter?.products.length ? (
                <ul>
                  {a.thisQuarter.products.map((p) => (
                    <li key={p.productId}>
                      {p.quantity} {p.unit} of {p.name}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">{a.thisQuarter?.status === 'open' ? 'The order window is open: the plan is made when it closes.' : 'Nothing planned yet.'}</p>
              )}
              <p>
                <Link to={paths.orders(a.assetId)}>My orders for {a.name}</Link>
              </p>
            </>
          ) : null}
        </Card>
      ))}
      <Income />
    </Page>
  );
}

const INCOME_PAGE = 10;

/** What the output sold earned me: my part of each quarter's income, and why. */
function Income() {
  const [offset, setOffset] = useState(0);
  const d = useMyDistributions(offset, INCOME_PAGE);
  if (d.isPending) return <Loading />;
  if (d.isError) return <ProblemView error={d.error} />;
  if (!d.data.items.length) return null;
  return (
    <Card title="Income from sales">
      <p className="small muted">Part of what the assets grow or make is sold; at each quarter’s end the income is shared among the owners by output share.</p>
      <ul className="list" aria-label="My income from sales">
        {d.data.items.map((l) => (
          <li key={l.distributionId} className="stack">
            <span>
              <strong>
                <Money minor={l.amount} currency={l.currency} />
              </strong>{' '}
              from {l.assetName}, {l.quarter} <span className="muted small">· of <Money minor={l.income} currency={l.currency} /> · {formatDate(l.createdAt)}</span>
            </span>
            <span className="small">{l.explanation}</span>
          </li>
        ))}
      </ul>
      {d.data.total > INCOME_PAGE ? (
        <p>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - INCOME_PAGE))}>
            Newer
          </button>{' '}
          <button type="button" disabled={offset + INCOME_PAGE >= d.data.total} onClick={() => setOffset(offset + INCOME_PAGE)}>
            Older
          </button>
        </p>
      ) : null}
    </Card>
  );
}
