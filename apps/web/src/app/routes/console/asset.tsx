import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Money } from '@/components/ui/money';
import { OwnershipChart } from '@/components/ui/ownership-chart';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { grantedPercent, ownershipSlices } from '@/features/console/asset-chart';
import { useAssetMovements, useAssetOwners, useAssetTransfers, useConsoleAsset } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';
import type { SchemaConsoleQuarterDto } from '@/lib/api/schema';
import { formatDate, formatDateTime } from '@/lib/dates';

const OWNERS_PAGE = 20;
const TRAIL_PAGE = 10;
const CHART_OWNERS = 7;
const QUARTER_WORDS: Record<string, string> = { open: 'Taking orders', closed: 'Allocating', planned: 'Planned' };

/** `/console/assets/:id`: who owns it (chart and table), how ownership moved, where it went, and its quarters' orders and allocation. */
export function ConsoleAssetRoute() {
  const { id = '' } = useParams();
  const asset = useConsoleAsset(id);
  const top = useAssetOwners(id, 0, CHART_OWNERS);
  if (asset.isPending) return <Loading />;
  if (asset.isError) return <ConsoleProblem error={asset.error} />;
  const a = asset.data;
  return (
    <Page
      title={a.name}
      lead={
        <>
          {a.kind} · {a.identifier}
          {a.nodeName ? ` · run by ${a.nodeName}` : ''}
          {a.quarterlyCapacity ? ` · ${a.quarterlyCapacity} ${a.capacityUnit ?? ''} a quarter` : ''} · <Link to={paths.consoleAssets()}>all assets</Link>
        </>
      }
    >
      <Card title={`Owners (${a.owners})`}>
        <div className="grid">
          {top.data ? (
            <OwnershipChart label={`Ownership of ${a.name}`} owners={ownershipSlices(top.data.items, a.ownedParts, a.totalParts, a.owners)} />
          ) : (
            <div className="chart-small" />
          )}
          <OwnersTable id={id} name={a.name} />
        </div>
      </Card>
      {a.quarters.length ? (
        <Card title="Order cycles">
          <p className="small muted">
            Each quarter the owners order what it should produce for them; the capacity is allocated by their output shares. Times in the asset’s zone ({a.timeZone}).
          </p>
          {a.quarters.map((q) => (
            <Quarter key={q.quarter} q={q} timeZone={a.timeZone} />
          ))}
        </Card>
      ) : a.producing ? (
        <Card title="Order cycles">
          <p className="muted">No quarter has opened yet.</p>
        </Card>
      ) : null}
      <Transfers id={id} />
      {a.portable ? <Movements id={id} /> : null}
    </Page>
  );
}

function OwnersTable({ id, name }: { id: string; name: string }) {
  const [page, setPage] = useState(0);
  const owners = useAssetOwners(id, page, OWNERS_PAGE);
  if (owners.isPending) return <Loading />;
  if (owners.isError) return <ConsoleProblem error={owners.error} />;
  if (!owners.data.items.length) return <p className="muted">Nobody owns it yet: it waits for the round that buys it.</p>;
  return (
    <div>
      <div className="table-wrap">
        <table className="cards" aria-label={`Owners of ${name}`}>
          <thead>
            <tr>
              <th scope="col">Owner</th>
              <th scope="col" className="num">
                Owns
              </th>
              <th scope="col" className="num">
                Parts
              </th>
            </tr>
          </thead>
          <tbody>
            {owners.data.items.map((o) => (
              <tr key={o.memberId}>
                <th scope="row">{o.name}</th>
                <td data-label="Owns" className="num nowrap">
                  {o.percent} <span className="small muted">({o.fraction})</span>
                </td>
                <td data-label="Parts" className="num">
                  {o.parts}
                  {o.outputParts !== o.parts ? <div className="small muted">output {o.outputParts}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={page} size={OWNERS_PAGE} total={owners.data.total} onPage={setPage} label="Owner pages" />
    </div>
  );
}

function Quarter({ q, timeZone }: { q: SchemaConsoleQuarterDto; timeZone: string }) {
  return (
    <section className="quarter" aria-label={`Quarter ${q.quarter}`}>
      <h3>
        {q.quarter} <span className={`badge ${q.status === 'planned' ? 'badge-ok' : q.status === 'open' ? 'badge-info' : 'badge-warn'}`}>{QUARTER_WORDS[q.status] ?? q.status}</span>
      </h3>
      <p className="small muted">
        Orders {formatDateTime(q.windowOpensAt, timeZone)} – {formatDateTime(q.windowClosesAt, timeZone)} · starts {formatDate(q.startsAt, timeZone)}
        {q.owners ? ` · ${q.ordered} of ${q.owners} owners ordered` : ''}
        {q.capacity !== null ? ` · capacity ${q.capacity}` : ''}
        {q.spare !== null ? `, ${q.spare} unused` : ''}
      </p>
      {q.products.length ? (
        <div className="table-wrap">
          <table className="cards">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" className="num">
                  Requested
                </th>
                <th scope="col" className="num">
                  Allocated
                </th>
                <th scope="col">Of the requests</th>
              </tr>
            </thead>
            <tbody>
              {q.products.map((p) => (
                <tr key={p.productId}>
                  <th scope="row">{p.name}</th>
                  <td data-label="Requested" className="num">
                    {p.requested} {p.unit ?? ''}
                  </td>
                  <td data-label="Allocated" className="num">
                    {p.granted === null ? 'after the close' : `${p.granted} ${p.unit ?? ''}`}
                  </td>
                  <td data-label="Of the requests">
                    {p.granted === null ? (
                      '—'
                    ) : (
                      <ProgressBar label={`${p.name} allocated in ${q.quarter}`} value={grantedPercent(p.requested, p.granted)} valueText={`${p.granted} of ${p.requested} ${p.unit ?? ''}`.trim()} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="small muted">No order placed yet.</p>
      )}
    </section>
  );
}

function Transfers({ id }: { id: string }) {
  const [page, setPage] = useState(0);
  const t = useAssetTransfers(id, page, TRAIL_PAGE);
  return (
    <Card title="Ownership trail">
      {t.isPending ? (
        <Loading />
      ) : t.isError ? (
        <ConsoleProblem error={t.error} />
      ) : t.data.items.length === 0 ? (
        <p className="muted">No share has changed hands.</p>
      ) : (
        <>
          <ul className="list">
            {t.data.items.map((x) => (
              <li key={x.id}>
                <span>
                  {x.from} → {x.to}: {x.fraction}
                </span>
                <span>
                  {x.price === '0' ? 'a gift' : <Money minor={x.price} currency={x.currency} />} <span className="muted small">· {formatDateTime(x.at)}</span>
                </span>
              </li>
            ))}
          </ul>
          <Pager page={page} size={TRAIL_PAGE} total={t.data.total} onPage={setPage} label="Ownership trail pages" />
        </>
      )}
    </Card>
  );
}

function Movements({ id }: { id: string }) {
  const [page, setPage] = useState(0);
  const m = useAssetMovements(id, page, TRAIL_PAGE);
  return (
    <Card title="Movement trail">
      {m.isPending ? (
        <Loading />
      ) : m.isError ? (
        <ConsoleProblem error={m.error} />
      ) : m.data.items.length === 0 ? (
        <p className="muted">No movement recorded.</p>
      ) : (
        <>
          <ol className="list">
            {m.data.items.map((x, i) => (
              <li key={`${x.movedAt}-${i}`}>
                <span>{[x.location, x.place].filter(Boolean).join(' · ') || 'somewhere unnamed'}</span>
                <span className="muted small">{formatDateTime(x.movedAt)}</span>
              </li>
            ))}
          </ol>
          <Pager page={page} size={TRAIL_PAGE} total={m.data.total} onPage={setPage} label="Movement trail pages" />
        </>
      )}
    </Card>
  );
}
