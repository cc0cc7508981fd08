import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { useHoldings } from '@/features/holdings/api/holdings';
import { useAnswerLease, useAnswerLeaseRequest, useLease, useLeaseRequest, useMyLeases, useProposeLease, type Lease } from '@/features/leases/api/leases';
import { checkLease, LEASE_STATUS, MAX_QUARTERS, QUARTER_STATUS, type LeaseErrors, type LeaseInput } from '@/features/leases/lease-rules';
import { marketRefusal, nextQuarters, parseParts, SubmissionKeys } from '@/features/market/market-rules';
import { RequireMember } from '@/features/session/components/require-member';
import { formatDateTime } from '@/lib/dates';
import { formatMoney, parseMoneyInput } from '@/lib/money';

const PAGE = 10;
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK'];

/** `/me/leases`: the output rights I lease out or lease in, quarter by quarter; propose, answer, renew, end early. */
export function LeasesRoute() {
  return <RequireMember>{(me) => <Leases memberId={me.id} />}</RequireMember>;
}

function Leases({ memberId }: { memberId: string }) {
  const [offset, setOffset] = useState(0);
  const leases = useMyLeases(offset, PAGE);
  if (leases.isPending) return <Loading />;
  if (leases.isError) return <ProblemView error={leases.error} />;
  const { items, total } = leases.data;
  return (
    <Page
      title="My leases"
      lead={
        <>
          Lease the output rights of some of your parts to another member for whole quarters at a price: during the lease their quarterly orders use those parts, then the rights come back. To lease from someone, give them your member id:{' '}
          <code className="member-id">{memberId}</code>
        </>
      }
    >
      <ProposeCard memberId={memberId} />
      <h2>Leases ({total})</h2>
      {items.length ? items.map((l) => <LeaseCard key={l.id} lease={l} memberId={memberId} />) : <p className="muted">No lease yet.</p>}
      {total > PAGE ? (
        <p>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Newer
          </button>{' '}
          <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
            Older
          </button>
        </p>
      ) : null}
    </Page>
  );
}

function ProposeCard({ memberId }: { memberId: string }) {
  const holdings = useHoldings();
  const propose = useProposeLease();
  const quarters = nextQuarters(new Date(), 8);
  const [input, setInput] = useState<LeaseInput>({ assetId: '', lesseeMemberId: '', parts: '', firstQuarter: quarters[0], quarters: '4', price: '', payment: 'upfront' });
  const [currency, setCurrency] = useState('EUR');
  const [errors, setErrors] = useState<LeaseErrors>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const keys = useRef(new SubmissionKeys());
  const assets = (holdings.data?.assets ?? []).filter((a) => a.myParts !== '0');
  const assetId = input.assetId || assets[0]?.assetId || '';
  const set = (k: keyof LeaseInput) => (e: { target: { value: string } }) => {
    setInput({ ...input, [k]: e.target.value });
    setErrors({ ...errors, [k]: undefined });
    setRefusal(null);
  };
  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const c = checkLease({ ...input, assetId }, currency, memberId);
    if (!c.ok) {
      setErrors(c.errors);
      return;
    }
    try {
      const l = await propose.mutateAsync({ body: c.body, key: keys.current.keyFor({ ...input, assetId, currency }) });
      keys.current.done();
      setRefusal(null);
      setDone(`Proposed: ${l.parts} parts of ${l.assetName} from ${l.firstQuarter} to ${l.lastQuarter} for ${formatMoney(l.price, l.currency)}. The lessee accepts or declines on their leases page.`);
      setInput({ ...input, lesseeMemberId: '', parts: '', price: '' });
    } catch (err) {
      setRefusal(marketRefusal(err, currency));
    }
  }
  if (holdings.isPending) return null;
  if (!assets.length) return null;
  return (
    <Card title="Lease out output rights">
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Propose a lease" className="market-form">
        <div className="field-pair">
          <div className="field">
            <label htmlFor="lease-asset">Asset</label>
            <select id="lease-asset" value={assetId} onChange={set('assetId')}>
              {assets.map((a) => (
                <option key={a.assetId} value={a.assetId}>
                  {a.name} (you own {a.myParts} parts)
                </option>
              ))}
            </select>
          </div>
          <Field label="Lessee’s member id" autoComplete="off" value={input.lesseeMemberId} onChange={set('lesseeMemberId')} error={errors.lesseeMemberId} className="wide" />
        </div>
        <div className="field-pair">
          <Field label="Parts" inputMode="numeric" autoComplete="off" value={input.parts} onChange={set('parts')} error={errors.parts} />
          <div className="field">
            <label htmlFor="lease-first">First quarter</label>
            <select id="lease-first" value={input.firstQuarter} onChange={set('firstQuarter')}>
              {quarters.map((q) => (
                <option key={q}>{q}</option>
              ))}
            </select>
          </div>
          <Field label="Quarters" inputMode="numeric" autoComplete="off" value={input.quarters} onChange={set('quarters')} error={errors.quarters} hint={`1 to ${MAX_QUARTERS}`} />
        </div>
        <div className="field-pair">
          <Field label={`Price of the whole term (${currency})`} inputMode="decimal" autoComplete="off" value={input.price} onChange={set('price')} error={errors.price} />
          <div className="field">
            <label htmlFor="lease-currency">Currency</label>
            <select id="lease-currency" value={currency} onChange={(e) => setCurrency(e.target.value)}>
              {CURRENCIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="lease-payment">Paid</label>
            <select id="lease-payment" value={input.payment} onChange={set('payment')}>
              <option value="upfront">up front, when the lessee accepts</option>
              <option value="quarterly">each quarter, when its orders open</option>
            </select>
          </div>
        </div>
        <div className="actions">
          <Button type="submit" busy={propose.isPending}>
            Propose the lease
          </Button>
        </div>
        {refusal ? <Alert kind="error">{refusal}</Alert> : null}
        {done ? <Alert kind="success">{done}</Alert> : null}
      </form>
    </Card>
  );
}

/** One lease: its terms, its quarters, its requests and what I may do about it now. */
function LeaseCard({ lease, memberId }: { lease: Lease; memberId: string }) {
  const detail = useLease(lease.id);
  const l = detail.data ?? lease;
  const lessor = l.lessorMemberId === memberId;
  const answer = useAnswerLease();
  const answerRequest = useAnswerLeaseRequest();
  const [refusal, setRefusal] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    try {
      setRefusal(null);
      await fn();
    } catch (e) {
      setRefusal(marketRefusal(e, l.currency));
    }
  };
  const open = l.requests?.find((r) => r.status === 'open');
  return (
    <Card title={`${lessor ? 'Leased out' : 'Leased in'}: ${l.parts} of ${l.totalParts} parts of ${l.assetName}`} className="lease">
      <p>
        <span className={l.status === 'active' ? 'badge badge-ok' : l.status === 'proposed' ? 'badge badge-info' : 'badge'}>{LEASE_STATUS[l.status] ?? l.status}</span> {l.firstQuarter} to {l.lastQuarter} ({l.quarters} quarter
        {l.quarters === 1 ? '' : 's'}) for <Money minor={l.price} currency={l.currency} />, {l.payment === 'upfront' ? 'paid up front' : 'paid quarter by quarter'}.
        {l.endedEarlyFrom ? ` Ended early from ${l.endedEarlyFrom}.` : ''}{' '}
        <span className="small muted">
          {lessor ? `Lessee: ${l.lesseeName}` : `Lessor: ${l.lessorName}`} · <Link to={paths.asset(l.assetId)}>the asset</Link>
        </span>
      </p>
      {l.quarterRows?.length ? (
        <div className="table-wrap">
          <table aria-label={`Quarters of the lease of ${l.assetName}`}>
            <thead>
              <tr>
                <th scope="col">Quarter</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {l.quarterRows.map((q) => (
                <tr key={q.quarter}>
                  <td>{q.quarter}</td>
                  <td className="num">
                    <Money minor={q.amount} currency={l.currency} />
                  </td>
                  <td>{QUARTER_STATUS[q.status] ?? q.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {l.status === 'proposed' && !lessor ? (
        <div className="actions">
          <Button busy={answer.isPending} onClick={() => void act(() => answer.mutateAsync({ id: l.id, accept: true }))}>
            Accept{l.payment === 'upfront' ? ` and pay ${formatMoney(l.price, l.currency)}` : ''}
          </Button>
          <Button variant="secondary" disabled={answer.isPending} onClick={() => void act(() => answer.mutateAsync({ id: l.id, accept: false }))}>
            Decline
          </Button>
        </div>
      ) : null}
      {l.status === 'proposed' && lessor ? <p className="small muted">Waiting for the lessee to accept or decline.</p> : null}
      {open ? (
        <div className="stack">
          <p>
            <strong>{open.requestedBy === memberId ? 'You asked' : 'The other side asks'}</strong>{' '}
            {open.kind === 'renew' ? `to renew for ${open.quarters} more quarter${open.quarters === 1 ? '' : 's'} at ${formatMoney(open.price ?? '0', l.currency)}` : 'to end the lease early (from the next quarter not begun)'}
            <span className="small muted"> · {formatDateTime(open.createdAt)}</span>
          </p>
          {open.requestedBy !== memberId ? (
            <div className="actions">
              <Button busy={answerRequest.isPending} onClick={() => void act(() => answerRequest.mutateAsync({ id: l.id, requestId: open.id, accept: true }))}>
                Agree
              </Button>
              <Button variant="secondary" disabled={answerRequest.isPending} onClick={() => void act(() => answerRequest.mutateAsync({ id: l.id, requestId: open.id, accept: false }))}>
                Refuse
              </Button>
            </div>
          ) : (
            <p className="small muted">Waiting for their answer.</p>
          )}
        </div>
      ) : null}
      {l.status === 'active' && !open ? <RequestForm lease={l} onRefusal={setRefusal} /> : null}
      {l.requests?.some((r) => r.status !== 'open') ? (
        <p className="small muted">
          Earlier requests:{' '}
          {l.requests
            .filter((r) => r.status !== 'open')
            .map((r) => `${r.kind === 'renew' ? `renew ${r.quarters} quarters` : 'end early'}: ${r.status}`)
            .join('; ')}
        </p>
      ) : null}
      {refusal ? <Alert kind="error">{refusal}</Alert> : null}
    </Card>
  );
}

/** Ask the other side to renew an active lease (more quarters at a price) or to end it early. */
function RequestForm({ lease, onRefusal }: { lease: Lease; onRefusal: (m: string | null) => void }) {
  const request = useLeaseRequest();
  const [kind, setKind] = useState<'renew' | 'end' | null>(null);
  const [quarters, setQuarters] = useState('4');
  const [price, setPrice] = useState('');
  const [errors, setErrors] = useState<{ quarters?: string; price?: string }>({});
  async function send(e: FormEvent) {
    e.preventDefault();
    let body: { id: string; kind: 'renew' | 'end'; quarters?: number; price?: bigint } = { id: lease.id, kind: 'end' };
    if (kind === 'renew') {
      const q = parseParts(quarters);
      const p = parseMoneyInput(price, lease.currency);
      const errs = { quarters: q.ok && q.parts <= BigInt(MAX_QUARTERS) ? undefined : `Enter a number of quarters from 1 to ${MAX_QUARTERS}.`, price: p.ok ? undefined : p.message };
      setErrors(errs);
      if (errs.quarters || errs.price || !q.ok || !p.ok) return;
      body = { id: lease.id, kind: 'renew', quarters: Number(q.parts), price: p.minor };
    }
    try {
      onRefusal(null);
      await request.mutateAsync(body);
      setKind(null);
    } catch (err) {
      onRefusal(marketRefusal(err, lease.currency));
    }
  }
  if (!kind) {
    return (
      <div className="actions">
        <Button variant="secondary" onClick={() => setKind('renew')}>
          Ask to renew
        </Button>
        <Button variant="secondary" onClick={() => setKind('end')}>
          Ask to end early
        </Button>
      </div>
    );
  }
  return (
    <form onSubmit={(e) => void send(e)} noValidate aria-label={kind === 'renew' ? 'Ask to renew' : 'Ask to end early'}>
      {kind === 'renew' ? (
        <div className="field-pair">
          <Field label="More quarters" inputMode="numeric" value={quarters} onChange={(e) => setQuarters(e.target.value)} error={errors.quarters} />
          <Field label={`Price of the added quarters (${lease.currency})`} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} error={errors.price} />
        </div>
      ) : (
        <p>Ask the other side to end the lease from the next quarter that has not begun{lease.payment === 'upfront' ? '; what was paid up front for those quarters goes back to the lessee' : ''}.</p>
      )}
      <div className="actions">
        <Button type="submit" busy={request.isPending}>
          Send the request
        </Button>
        <Button type="button" variant="secondary" onClick={() => setKind(null)}>
          Back
        </Button>
      </div>
    </form>
  );
}
