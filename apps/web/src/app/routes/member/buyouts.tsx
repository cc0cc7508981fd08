import { useState } from 'react';
import { Link } from 'react-router';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { useMyBuyouts, type MyBuyout } from '@/features/buyouts/api/buyouts';
import { buyoutProgress, BUYOUT_STATUS } from '@/features/buyouts/buyout-rules';
import { RequireMember } from '@/features/session/components/require-member';
import { formatDate } from '@/lib/dates';

const PAGE = 10;

/** `/me/buyouts`: the operator's buy-out agreements I am in, as the operator or a seller: progress to the target, my remaining claim. */
export function BuyoutsRoute() {
  return <RequireMember>{() => <Buyouts />}</RequireMember>;
}

function Buyouts() {
  const [offset, setOffset] = useState(0);
  const b = useMyBuyouts(offset, PAGE);
  if (b.isPending) return <Loading />;
  if (b.isError) return <ProblemView error={b.error} />;
  const { items, total } = b.data;
  return (
    <Page
      title="Buy-outs"
      lead={
        items.length
          ? 'The operator of an asset buys parts from the other owners quarter by quarter, at an agreed price, until a target share. What is still to be bought is a claim that ends when it is paid.'
          : 'You are in no buy-out agreement: none of your assets’ operators is buying parts from its owners.'
      }
    >
      {items.map((a) => (
        <BuyoutCard key={a.id} a={a} />
      ))}
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

function BuyoutCard({ a }: { a: MyBuyout }) {
  const p = buyoutProgress(a);
  const operator = a.role === 'operator';
  return (
    <Card title={<Link to={paths.asset(a.assetId)}>{a.assetName}</Link>}>
      <p>
        <span className={a.status === 'active' ? 'badge badge-ok' : a.status === 'paused' ? 'badge badge-warn' : 'badge'}>{BUYOUT_STATUS[a.status] ?? a.status}</span>{' '}
        {operator ? 'You are the operator' : `${a.operatorName} (the operator) buys from you`}: {a.operatorParts} of {a.totalParts} parts now, target {a.targetParts}, at{' '}
        <Money minor={a.pricePerPart} currency={a.currency} /> a part, funded by {a.funding === 'fixed' ? <>a fixed <Money minor={a.fixedAmount} currency={a.currency} /> a quarter</> : 'the operator’s output bonus'}
        {a.source === 'offered' ? ', from the owners who offered' : ', from every other owner by share'}.
      </p>
      <ProgressBar label={`Progress of the buy-out of ${a.assetName}`} value={p.percent} valueText={p.words} />
      <p className="small">{p.words}</p>
      <dl className="facts">
        <dt>{operator ? 'Bought so far' : 'Sold so far'}</dt>
        <dd>
          {a.myParts} parts for <Money minor={a.myAmount} currency={a.currency} />
        </dd>
        {operator ? (
          <>
            <dt>Still to buy (the remaining claim)</dt>
            <dd>
              {a.claimParts} parts, <Money minor={a.claimAmount} currency={a.currency} />
            </dd>
          </>
        ) : (
          <>
            <dt>My remaining claim</dt>
            <dd>
              {a.myClaimParts} parts, <Money minor={a.myClaimAmount} currency={a.currency} />
            </dd>
          </>
        )}
        <dt>Steps</dt>
        <dd>
          {a.stepCount} quarter{a.stepCount === 1 ? '' : 's'}
          {a.lastQuarter ? `, the last ${a.lastQuarter}` : `; the first follows ${a.firstQuarter}`}
        </dd>
        <dt>Agreed</dt>
        <dd>
          {formatDate(a.createdAt)}
          {a.note ? `: ${a.note}` : ''}
          {a.closedAt ? ` · closed ${formatDate(a.closedAt)}` : ''}
        </dd>
      </dl>
    </Card>
  );
}
