import { Link } from 'react-router';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Alert } from '@/components/ui/alert';
import { Money } from '@/components/ui/money';
import { Card } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { formatDate, formatDateTime } from '@/lib/dates';
import { formatMoney } from '@/lib/money';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useBid, useMarket, type MarketOverview } from '../api/market';
import { closeSeries } from '../market-rules';
import { BidForm } from './order-forms';

type Level = MarketOverview['asks'][number];

function BookSide({ title, levels, currency, empty }: { title: string; levels: Level[]; currency: string; empty: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              Price per part
            </th>
            <th scope="col" className="num">
              Parts
            </th>
            <th scope="col" className="num">
              Orders
            </th>
          </tr>
        </thead>
        <tbody>
          {levels.length ? (
            levels.map((l) => (
              <tr key={l.pricePerPart}>
                <td className="num">
                  <Money minor={l.pricePerPart} currency={currency} />
                </td>
                <td className="num">{l.parts}</td>
                <td className="num">{l.orders}</td>
              </tr>
            ))
          ) : (
            <tr>
              <td colSpan={3} className="muted">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** The daily close per part (recharts), money on the axis formatted from integer minor units. */
function PriceChart({ history, currency }: { history: MarketOverview['history']; currency: string }) {
  if (!history.length) return <p className="muted">No trade has settled yet: there is no price history.</p>;
  const first = history[0];
  const last = history.at(-1)!;
  const label = `Daily closing price per part from ${formatDate(first.day)} (${formatMoney(first.close, currency)}) to ${formatDate(last.day)} (${formatMoney(last.close, currency)})`;
  return (
    <figure style={{ margin: 0 }}>
      <div className="chart-small" role="img" aria-label={label}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={closeSeries(history)} margin={{ left: 8, right: 16, top: 8, bottom: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" tickFormatter={(v: string) => formatDate(v)} fontSize={11} minTickGap={24} />
            <YAxis dataKey="close" tickFormatter={(v: number) => formatMoney(BigInt(Math.round(v)), currency)} fontSize={11} width={72} domain={['auto', 'auto']} allowDecimals={false} />
            <Tooltip labelFormatter={(v) => formatDate(String(v))} formatter={(v) => [formatMoney(BigInt(Math.round(Number(v))), currency), 'Close']} />
            <Line type="linear" dataKey="close" stroke="#2b6cb0" strokeWidth={2} dot={history.length < 40} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="small muted">Closing price per part, day by day (UTC), the last year.</figcaption>
    </figure>
  );
}

/**
 * An asset's market on its public page: the book as price levels (no names), the last price and
 * its history, what is offered to co-owners first now, what the asset makes; a signed-in member
 * bids here. Nothing when the asset has no market.
 */
export function MarketCard({ assetId, signedIn }: { assetId: string; signedIn: boolean }) {
  const market = useMarket(assetId);
  const bid = useBid();
  if (market.isPending) return null;
  if (market.isError) {
    if (market.error instanceof ApiProblem && market.error.code === 'market_not_open') return null;
    return (
      <Card title="Market">
        <Alert kind="error">{problemMessage(market.error)}</Alert>
      </Card>
    );
  }
  const m = market.data;
  const c = m.currency;
  return (
    <Card title="Market" className="market-card">
      <p>
        Last price:{' '}
        <strong>{m.lastPrice ? <Money minor={m.lastPrice} currency={c} /> : 'no trade yet'}</strong> a part · {m.totalParts} parts in all
        {m.operatorFloorParts !== '0' ? ` · the operator always keeps ${m.operatorFloorParts}` : ''}
        {m.rofrDays ? ` · co-owners may claim a listing first for ${m.rofrDays} days` : ''}.
      </p>
      {m.firstRefusal.listings > 0 ? (
        <Alert kind="info">
          {m.firstRefusal.parts} parts in {m.firstRefusal.listings} listing{m.firstRefusal.listings === 1 ? '' : 's'} are offered to the co-owners first now
          {m.firstRefusal.nextWindowEnd ? ` (the first window ends ${formatDateTime(m.firstRefusal.nextWindowEnd)})` : ''}.{' '}
          {signedIn ? <Link to={paths.market()}>Co-owners claim them on My market.</Link> : null}
        </Alert>
      ) : null}
      <div className="grid">
        <BookSide title="For sale (asks), cheapest first" levels={m.asks} currency={c} empty="Nothing for sale now." />
        <BookSide title="Wanted (bids), highest first" levels={m.bids} currency={c} empty="No bid now." />
      </div>
      <h3>Price history</h3>
      <PriceChart history={m.history} currency={c} />
      {m.lastTrades.length ? (
        <>
          <h3>Last trades</h3>
          <ul className="list" aria-label="Last trades">
            {m.lastTrades.slice(0, 5).map((t, i) => (
              <li key={`${t.at}-${i}`}>
                <span>
                  {t.parts} parts at <Money minor={t.pricePerPart} currency={c} />
                </span>
                <span className="small muted">{formatDateTime(t.at)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>What it makes</h3>
      {m.makes.length ? (
        <p>
          {m.makes.map((p) => `${p.name} (by the ${p.unit}, ready ${p.leadTimeDays} days into a quarter)`).join(', ')}
          {m.quarterlyCapacity ? `; ${m.quarterlyCapacity} ${m.capacityUnit ?? ''} of capacity a quarter, shared by output share.` : '.'}
        </p>
      ) : (
        <p className="muted">Its catalogue is empty: it makes nothing to order yet.</p>
      )}
      <h3>Bid for parts</h3>
      {signedIn ? (
        <BidForm assetId={assetId} currency={c} onBid={(v) => bid.mutateAsync(v)} />
      ) : (
        <p>
          <Link to={paths.signIn(paths.asset(assetId))}>Sign in</Link> to bid for parts.
        </p>
      )}
    </Card>
  );
}
