import { Link, useParams } from 'react-router';
import { OwnershipChart } from '@/components/ui/ownership-chart';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { useAsset } from '@/features/assets/api/assets';
import { MarketCard } from '@/features/market/components/market-card';
import { useSession } from '@/features/session/api/session';

/** `/assets/:id`: who owns it (names), what it can grow and what it grows this quarter: for buyers of fractions. */
export function AssetRoute() {
  const { id = '' } = useParams();
  const asset = useAsset(id);
  const session = useSession();
  if (asset.isPending) return <Loading />;
  if (asset.isError) return <ProblemView error={asset.error} />;
  const a = asset.data;
  return (
    <Page title={a.name} lead={`${a.kind} · ${a.identifier}${a.quarterlyCapacity ? ` · ${a.quarterlyCapacity} ${a.capacityUnit ?? ''} a quarter` : ''}`}>
      <Card title="Owners">
        <div className="grid">
          <OwnershipChart label={`Ownership of ${a.name}`} owners={a.owners.map((o) => ({ name: o.memberName, parts: o.parts }))} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Owner</th>
                  <th scope="col" className="num">
                    Owns
                  </th>
                  <th scope="col" className="num">
                    Of the output
                  </th>
                </tr>
              </thead>
              <tbody>
                {a.owners.map((o) => (
                  <tr key={o.memberName}>
                    <th scope="row">{o.memberName}</th>
                    <td className="num">{o.percent}</td>
                    <td className="num">{o.outputPercent}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </Card>
      {a.catalogue.length ? (
        <Card title={a.thisQuarter ? `${a.thisQuarter.status === 'planned' ? 'Growing' : 'Taking orders for'} ${a.thisQuarter.quarter}` : 'What it can grow'}>
          {a.thisQuarter?.products.length ? (
            <ul>
              {a.thisQuarter.products.map((p) => (
                <li key={p.productId}>
                  {p.quantity} {p.unit} of {p.name}
                </li>
              ))}
            </ul>
          ) : null}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col" className="num">
                    Capacity per unit
                  </th>
                  <th scope="col" className="num">
                    Ready after
                  </th>
                </tr>
              </thead>
              <tbody>
                {a.catalogue.map((c) => (
                  <tr key={c.name}>
                    <th scope="row">{c.name}</th>
                    <td className="num">
                      {c.capacityPerUnit} {a.capacityUnit} / {c.unit}
                    </td>
                    <td className="num">{c.leadTimeDays} days</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {session.data?.member ? (
            <p>
              <Link to={paths.orders(a.assetId)}>My orders (co-owners)</Link>
            </p>
          ) : null}
        </Card>
      ) : null}
      <div id="market">
        <MarketCard assetId={a.assetId} signedIn={!!session.data?.member} />
      </div>
    </Page>
  );
}
