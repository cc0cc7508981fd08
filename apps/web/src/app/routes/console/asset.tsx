import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Money } from '@/components/ui/money';
import { OwnershipChart } from '@/components/ui/ownership-chart';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { grantedPercent, ownershipSlices } from '@/features/console/asset-chart';
import { useAssetDistributions, useAssetMovements, useAssetOwners, useAssetSales, useAssetTransfers, useConsoleAsset, useDistributionLines } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';
import type { SchemaConsoleQuarterDto, SchemaDistributionDto } from '@/lib/api/schema';
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
      {a.producing ? <Sales id={id} timeZone={a.timeZone} /> : null}
      {a.producing ? <Distributions id={id} /> : null}
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

const SALES_PAGE = 10;

/** What was sold of its output: by whom to whom, at what price. */
function Sales({ id, timeZone }: { id: string; timeZone: string }) {
  const [page, setPage] = useState(0);
  const s = useAssetSales(id, page, SALES_PAGE);
  return (
    <Card title="Sales of its output">
      {s.isPending ? (
        <Loading />
      ) : s.isError ? (
        <ConsoleProblem error={s.error} />
      ) : s.data.items.length === 0 ? (
        <p className="muted">Nothing sold yet. A catalogue product with a part for sale can be sold once its quarter is planned.</p>
      ) : (
        <>
          <div className="table-wrap">
            <table className="cards" aria-label="Sales of its output">
              <thead>
                <tr>
                  <th scope="col">Quarter</th>
                  <th scope="col">Sold</th>
                  <th scope="col">Buyer</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Recorded</th>
                </tr>
              </thead>
              <tbody>
                {s.data.items.map((x) => (
                  <tr key={x.id}>
                    <th scope="row">{x.quarter}</th>
                    <td data-label="Sold">
                      {x.quantity} × {x.productId} at <Money minor={x.unitPrice} currency={x.currency} />
                    </td>
                    <td data-label="Buyer">{x.buyerName ?? (x.buyerMemberId ? 'a member' : '—')}</td>
                    <td data-label="Amount" className="num">
                      <Money minor={x.amount} currency={x.currency} />
                    </td>
                    <td data-label="Recorded" className="small muted">
                      {x.recordedBy.startsWith('node:') ? 'by its node' : 'by a coordinator'} · {formatDateTime(x.createdAt, timeZone)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} size={SALES_PAGE} total={s.data.total} onPage={setPage} label="Sales pages" />
        </>
      )}
    </Card>
  );
}

const DISTRIBUTIONS_PAGE = 8;

/** Each quarter's income shared among the owners: the rule, the figures, and every owner's amount with why. */
function Distributions({ id }: { id: string }) {
  const [page, setPage] = useState(0);
  const d = useAssetDistributions(id, page, DISTRIBUTIONS_PAGE);
  return (
    <Card title="Income shared among the owners">
      {d.isPending ? (
        <Loading />
      ) : d.isError ? (
        <ConsoleProblem error={d.error} />
      ) : d.data.items.length === 0 ? (
        <p className="muted">No quarter’s income has been shared yet: it is shared when the quarter ends.</p>
      ) : (
        <>
          {d.data.items.map((x) => (
            <Distribution key={x.id} id={id} d={x} />
          ))}
          <Pager page={page} size={DISTRIBUTIONS_PAGE} total={d.data.total} onPage={setPage} label="Distribution pages" />
        </>
      )}
    </Card>
  );
}

const LINES_PAGE = 20;

function Distribution({ id, d }: { id: string; d: SchemaDistributionDto }) {
  const [open, setOpen] = useState(false);
  const [page, setPage] = useState(0);
  const lines = useDistributionLines(id, d.quarter, page, LINES_PAGE, open);
  return (
    <section className="quarter" aria-label={`Income of ${d.quarter}`}>
      <h3>
        {d.quarter}: <Money minor={d.income} currency={d.currency} /> from {d.saleCount} {d.saleCount === 1 ? 'sale' : 'sales'}
      </h3>
      <p className="small muted">
        Shared by {d.totalOutputParts} output parts{d.bonusParts !== '0' ? ` (${d.bonusParts} of them the operator’s bonus)` : ''} among {d.lineCount} owners · {formatDateTime(d.createdAt)}. {d.ruleText}
      </p>
      <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide' : 'Show'} every owner’s amount
      </button>
      {open ? (
        lines.isPending ? (
          <Loading />
        ) : lines.isError ? (
          <ConsoleProblem error={lines.error} />
        ) : (
          <>
            <ul className="list" aria-label={`Owners’ amounts for ${d.quarter}`}>
              {lines.data.lines.map((l) => (
                <li key={l.memberId}>
                  <span>
                    <strong>{l.memberName}</strong>: <Money minor={l.amount} currency={d.currency} />
                  </span>
                  <span className="small muted">Told: “{l.explanation}”</span>
                </li>
              ))}
            </ul>
            <Pager page={page} size={LINES_PAGE} total={lines.data.lineCount} onPage={setPage} label={`Owner pages for ${d.quarter}`} />
          </>
        )
      ) : null}
    </section>
  );
}
