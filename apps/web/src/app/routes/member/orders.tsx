import { Link, useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Deadline } from '@/components/ui/deadline';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { usePlaceOrder, useOrderWindow } from '@/features/orders/api/order-window';
import { OrderForm } from '@/features/orders/components/order-form';
import { RequireMember } from '@/features/session/components/require-member';
import type { SchemaAllocationDto, SchemaOrderPageDto } from '@/lib/api/schema';
import { formatDateTime } from '@/lib/dates';

/** `/assets/:id/orders`: my share as capacity, the catalogue, my order; after the close, what I got and why. */
export function OrdersRoute() {
  const { id = '' } = useParams();
  return <RequireMember>{() => <OrdersPage assetId={id} />}</RequireMember>;
}

function OrdersPage({ assetId }: { assetId: string }) {
  const page = useOrderWindow(assetId);
  const place = usePlaceOrder(assetId);
  if (page.isPending) return <Loading />;
  if (page.isError) return <ProblemView error={page.error} />;
  const p = page.data;
  const unit = p.capacityUnit;
  return (
    <Page title={`${p.assetName}: orders for ${p.quarter}`} actions={<Link to={paths.asset(p.assetId)}>Asset page</Link>}>
      <Card>
        <p className="lead" style={{ marginBottom: '.4rem' }}>
          Your share: <strong>{p.myPercent}</strong> = <strong>{p.entitlement} {unit}</strong> of {p.capacity} {unit} this quarter.
        </p>
        <WindowLine p={p} />
      </Card>
      {p.status === 'open' ? (
        <Card title="My order">
          <OrderForm
            catalogue={p.catalogue}
            capacity={p.capacity}
            capacityUnit={unit}
            entitlement={p.entitlement}
            timeZone={p.timeZone}
            initial={p.myOrder ?? p.standingOrder}
            onOrder={(o) => place.mutateAsync(o)}
          />
          {!p.myOrder && p.standingOrder ? <p className="muted small">Filled in from your standing order: it applies unless you order something else.</p> : null}
        </Card>
      ) : (
        <Card title="What it can grow">
          <Catalogue p={p} />
          {p.standingOrder ? <p>Your standing order will apply: {p.standingOrder.lines.map((l) => `${l.quantity} × ${p.catalogue.find((c) => c.id === l.productId)?.name ?? l.productId}`).join(', ') || 'nothing'}.</p> : null}
        </Card>
      )}
      {p.lastAllocation ? <Allocation a={p.lastAllocation} unit={unit} /> : null}
    </Page>
  );
}

function WindowLine({ p }: { p: SchemaOrderPageDto }) {
  if (p.status === 'open') {
    return (
      <p>
        The order window is open until <Deadline at={p.closesAt} timeZone={p.timeZone} />. You can change your order until then; the last one counts.
      </p>
    );
  }
  if (p.status === 'allocating') return <Alert kind="info">The order window has closed: the quarter’s capacity is being shared out. You will get an email with what you get.</Alert>;
  return <p>The order window for {p.quarter} opens {formatDateTime(p.opensAt, p.timeZone)} and closes {formatDateTime(p.closesAt, p.timeZone)}.</p>;
}

function Catalogue({ p }: { p: SchemaOrderPageDto }) {
  return (
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
          {p.catalogue.map((c) => (
            <tr key={c.id}>
              <th scope="row">{c.name}</th>
              <td className="num">
                {c.capacityPerUnit} {p.capacityUnit} / {c.unit}
              </td>
              <td className="num">{c.leadTimeDays} days</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What I asked, what I got, and why: my share first, then what others left unused. */
function Allocation({ a, unit }: { a: SchemaAllocationDto; unit: string }) {
  const why =
    a.asked === 0
      ? `You did not ask for anything, so your ${a.entitlement} ${unit} went to owners who asked for more.`
      : a.got > a.entitlement
        ? `You asked for more than your share; ${a.fromOthers} ${unit} of what you got came from capacity other owners left unused.`
        : a.got < a.asked
          ? `You asked for more than your share and others used theirs, so you got your share (whole units only).`
          : a.leftForOthers > 0
            ? `You asked for less than your share: the ${a.leftForOthers} ${unit} you left went to owners who asked for more.`
            : 'You got what you asked for, within your share.';
  return (
    <Card title={`What you got in ${a.quarter}`}>
      <div className="figures">
        <div className="figure">
          <span className="label">Your share</span>
          <span className="value">
            {a.entitlement} {unit}
          </span>
        </div>
        <div className="figure">
          <span className="label">You asked</span>
          <span className="value">
            {a.asked} {unit}
          </span>
        </div>
        <div className="figure">
          <span className="label">You got</span>
          <span className="value">
            {a.got} {unit}
          </span>
        </div>
        <div className="figure">
          <span className="label">From others’ unused share</span>
          <span className="value">
            {a.fromOthers} {unit}
          </span>
        </div>
      </div>
      <p>{why}</p>
      {a.lines.length ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" className="num">
                  Asked
                </th>
                <th scope="col" className="num">
                  Got
                </th>
              </tr>
            </thead>
            <tbody>
              {a.lines.map((l) => (
                <tr key={l.productId}>
                  <th scope="row">{l.name}</th>
                  <td className="num">
                    {l.requested} {l.unit}
                  </td>
                  <td className="num">
                    {l.granted} {l.unit}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="muted small">
        Of {a.capacity} {unit}, {a.spare} {unit} stayed unused: no remaining order could use it.
      </p>
    </Card>
  );
}
