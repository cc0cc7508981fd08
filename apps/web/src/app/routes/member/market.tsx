import { useState } from 'react';
import { Link } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { useAsset } from '@/features/assets/api/assets';
import { useHoldings } from '@/features/holdings/api/holdings';
import { useCancelBid, useCancelListing, useClaim, useFirstRefusal, useList, useMarket, useMyMarket } from '@/features/market/api/market';
import { ClaimForm, ListingForm } from '@/features/market/components/order-forms';
import { marketRefusal, ORDER_STATUS } from '@/features/market/market-rules';
import { RequireMember } from '@/features/session/components/require-member';
import { formatDateTime } from '@/lib/dates';
import { ApiProblem } from '@/lib/problem';

const PAGE = 20;

/** `/me/market`: list parts for sale, claim what co-owners offer me first; my listings, bids, claims and trades. */
export function MarketRoute() {
  return <RequireMember>{(me) => <MyMarket memberId={me.id} />}</RequireMember>;
}

/** An asset's name (public, cached per asset), as a link to its page. */
function AssetName({ id }: { id: string }) {
  const a = useAsset(id);
  return <Link to={paths.asset(id)}>{a.data?.name ?? 'an asset'}</Link>;
}

function Status({ status, listing }: { status: string; listing?: boolean }) {
  const cls = status === 'open' || status === 'allocated' ? 'badge badge-ok' : status === 'rofr' || status === 'pending' ? 'badge badge-info' : 'badge';
  return <span className={cls}>{listing && status === 'filled' ? 'sold' : (ORDER_STATUS[status] ?? status)}</span>;
}

function MyMarket({ memberId }: { memberId: string }) {
  const [offset, setOffset] = useState(0);
  const mine = useMyMarket(offset, PAGE);
  const cancelListing = useCancelListing();
  const cancelBid = useCancelBid();
  const [refusal, setRefusal] = useState<string | null>(null);
  if (mine.isPending) return <Loading />;
  if (mine.isError) return <ProblemView error={mine.error} />;
  const { listings, bids, claims, trades } = mine.data;
  const more = Math.max(listings.total, bids.total, claims.total, trades.total) > offset + PAGE;
  const cancel = async (fn: () => Promise<unknown>, currency: string) => {
    try {
      setRefusal(null);
      await fn();
    } catch (e) {
      setRefusal(marketRefusal(e, currency));
    }
  };
  return (
    <Page title="My market" lead="Sell parts of what you co-own, bid for parts on an asset’s page, and follow your orders and trades here. Prices are per part.">
      <SellCard />
      <FirstRefusalCard />
      {refusal ? <Alert kind="error">{refusal}</Alert> : null}
      <Card title={`My listings (${listings.total})`}>
        {listings.items.length ? (
          <div className="table-wrap">
            <table aria-label="My listings">
              <thead>
                <tr>
                  <th scope="col">Asset</th>
                  <th scope="col" className="num">
                    Parts
                  </th>
                  <th scope="col" className="num">
                    Left
                  </th>
                  <th scope="col" className="num">
                    Price per part
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Until</th>
                  {/* Named without a visually hidden span: its absolute box would widen the page beside a scrolled table. */}
                  <th scope="col" aria-label="Action" />
                </tr>
              </thead>
              <tbody>
                {listings.items.map((l) => (
                  <tr key={l.id}>
                    <td>
                      <AssetName id={l.assetId} />
                      {l.kind === 'buyout' ? <span className="small muted"> · buy-out</span> : null}
                    </td>
                    <td className="num">{l.parts}</td>
                    <td className="num">{l.remaining}</td>
                    <td className="num">
                      <Money minor={l.pricePerPart} currency={l.currency} />
                    </td>
                    <td>
                      <Status status={l.status} listing />
                      {l.status === 'rofr' && l.rofrEndsAt ? <div className="small muted">co-owners until {formatDateTime(l.rofrEndsAt)}</div> : null}
                      {l.closedReason === 'parts_gone' ? <div className="small muted">you no longer had the parts</div> : null}
                    </td>
                    <td className="small">{formatDateTime(l.expiresAt)}</td>
                    <td>
                      {l.status === 'open' || l.status === 'rofr' ? (
                        <Button variant="secondary" busy={cancelListing.isPending && cancelListing.variables === l.id} onClick={() => void cancel(() => cancelListing.mutateAsync(l.id), l.currency)}>
                          Cancel
                        </Button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No listing yet.</p>
        )}
      </Card>
      <Card title={`My bids (${bids.total})`}>
        {bids.items.length ? (
          <div className="table-wrap">
            <table aria-label="My bids">
              <thead>
                <tr>
                  <th scope="col">Asset</th>
                  <th scope="col" className="num">
                    Parts
                  </th>
                  <th scope="col" className="num">
                    Still wanted
                  </th>
                  <th scope="col" className="num">
                    Price per part
                  </th>
                  <th scope="col" className="num">
                    Held
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Until</th>
                  {/* Named without a visually hidden span: its absolute box would widen the page beside a scrolled table. */}
                  <th scope="col" aria-label="Action" />
                </tr>
              </thead>
              <tbody>
                {bids.items.map((b) => (
                  <tr key={b.id}>
                    <td>
                      <AssetName id={b.assetId} />
                    </td>
                    <td className="num">{b.parts}</td>
                    <td className="num">{b.remaining}</td>
                    <td className="num">
                      <Money minor={b.pricePerPart} currency={b.currency} />
                    </td>
                    <td className="num">{b.status === 'open' ? <Money minor={BigInt(b.remaining) * BigInt(b.pricePerPart)} currency={b.currency} /> : '—'}</td>
                    <td>
                      <Status status={b.status} />
                    </td>
                    <td className="small">{formatDateTime(b.expiresAt)}</td>
                    <td>
                      {b.status === 'open' ? (
                        <Button variant="secondary" busy={cancelBid.isPending && cancelBid.variables === b.id} onClick={() => void cancel(() => cancelBid.mutateAsync(b.id), b.currency)}>
                          Cancel
                        </Button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">
            No bid yet. Bid on an asset’s page: <Link to={paths.projects()}>find one through the projects</Link> or from <Link to={paths.holdings()}>your holdings</Link>.
          </p>
        )}
      </Card>
      {claims.items.length ? (
        <Card title={`My first-refusal claims (${claims.total})`}>
          <ul className="list" aria-label="My first-refusal claims">
            {claims.items.map((c) => (
              <li key={c.id}>
                <span>
                  {c.requested} parts of <AssetName id={c.assetId} /> at <Money minor={c.pricePerPart} currency={c.currency} />
                  {c.allocated !== null ? `, ${c.allocated} allocated` : ''}
                </span>
                <span>
                  <Status status={c.status} /> <span className="small muted">{formatDateTime(c.createdAt)}</span>
                </span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      <Card title={`My trades (${trades.total})`}>
        {trades.items.length ? (
          <ul className="list" aria-label="My trades">
            {trades.items.map((t) => {
              const sold = t.sellerMemberId === memberId;
              return (
                <li key={t.id}>
                  <span>
                    <strong>{sold ? 'Sold' : 'Bought'}</strong> {t.parts} parts of <AssetName id={t.assetId} /> at <Money minor={t.pricePerPart} currency={t.currency} /> a part:{' '}
                    <strong>
                      <Money minor={t.amount} currency={t.currency} />
                    </strong>
                    {t.claimId ? <span className="small muted"> (first refusal)</span> : null}
                  </span>
                  <span className="small muted">{formatDateTime(t.createdAt)}</span>
                </li>
              );
            })}
          </ul>
        ) : (
          <p className="muted">No trade yet.</p>
        )}
      </Card>
      {offset > 0 || more ? (
        <p>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Newer
          </button>{' '}
          <button type="button" disabled={!more} onClick={() => setOffset(offset + PAGE)}>
            Older
          </button>
        </p>
      ) : null}
    </Page>
  );
}

/** List parts of an asset I co-own, at a price or as a buy-out at the last price. */
function SellCard() {
  const holdings = useHoldings();
  const [chosen, setChosen] = useState<string | null>(null);
  const assets = (holdings.data?.assets ?? []).filter((a) => a.myParts !== '0').map((a) => ({ assetId: a.assetId, name: a.name, myParts: a.myParts }));
  const assetId = chosen ?? assets[0]?.assetId ?? '';
  const market = useMarket(assetId);
  const list = useList();
  if (holdings.isPending) return <Loading />;
  if (holdings.isError) return null;
  const m = !assetId ? null : market.isError ? (market.error instanceof ApiProblem && market.error.code === 'market_not_open' ? null : undefined) : market.data;
  return (
    <Card title="Sell parts">
      <ListingForm
        assets={assets}
        assetId={assetId}
        onAsset={setChosen}
        market={m ? { currency: m.currency, rofrDays: m.rofrDays, lastPrice: m.lastPrice } : m}
        onList={(v) => list.mutateAsync(v)}
      />
    </Card>
  );
}

/** Co-owners' listings of my assets in their first-refusal window: I may claim parts before everyone else. */
function FirstRefusalCard() {
  const offers = useFirstRefusal();
  const claim = useClaim();
  if (!offers.data?.items.length) return null;
  return (
    <Card title="Offered to you first">
      <p className="small muted">A co-owner lists parts of an asset you co-own: for a few days only its co-owners may claim them, at the listed price; if several claim more than there is, each gets a part in proportion to their share.</p>
      <ul className="list" aria-label="Offered to you first">
        {offers.data.items.map((o) => (
          <li key={o.listing.id}>
            <span>
              {o.listing.remaining} parts of <Link to={paths.asset(o.listing.assetId)}>{o.assetName}</Link> at <Money minor={o.listing.pricePerPart} currency={o.listing.currency} /> a part
              {o.listing.rofrEndsAt ? <span className="small muted"> · until {formatDateTime(o.listing.rofrEndsAt)}</span> : null}
            </span>
            {o.myClaim ? (
              <span>You claimed {o.myClaim} parts.</span>
            ) : (
              <ClaimForm listingId={o.listing.id} currency={o.listing.currency} pricePerPart={o.listing.pricePerPart} onClaim={(v) => claim.mutateAsync(v)} />
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}
