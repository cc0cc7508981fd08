import { useState } from 'react';
import { useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Deadline } from '@/components/ui/deadline';
import { Money } from '@/components/ui/money';
import { Card, Loading } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import { PendingHandoffs } from '@/features/flows/components/pending-handoffs';
import { formatDuration, jobStatusWords, jobTitle, leadTimeMs } from '@/features/jobs/job-words';
import { useAnswerOffer, useCompleteJob, useNodeWork, useReportProgress, type OfferAnswer } from '@/features/operator/api/operator';
import { CompleteForm, ProgressForm } from '@/features/operator/components/job-work-forms';
import { LoadBar, NodeFrame } from '@/features/operator/components/node-frame';
import { OfferActions } from '@/features/operator/components/offer-actions';
import { RequireMember } from '@/features/session/components/require-member';
import type { SchemaOperatorJobDto } from '@/lib/api/schema';
import { formatDateTime } from '@/lib/dates';
import { formatMoney } from '@/lib/money';
import { useNow } from '@/lib/use-now';

type Job = SchemaOperatorJobDto;

/** `/node/:id`: the node's offers to answer, goods handed to it to confirm, its jobs in hand, its deliveries and what ended lately. */
export function NodeWorkRoute() {
  const { id = '' } = useParams();
  return <RequireMember>{() => <NodeFrame nodeId={id}>{(n) => <Work nodeId={n.id} load={n.load} wipLimit={n.wipLimit} name={n.name} />}</NodeFrame>}</RequireMember>;
}

/** What happened to an answer, in words (a counter-offer may be refused by the job's rules). */
function answered(a: OfferAnswer, j: Job): string {
  const what = `“${jobTitle(j)}”`;
  if (a.kind === 'accept') return `You accepted ${what}. It is under “Jobs in hand” now.`;
  if (a.kind === 'reject') return `You rejected ${what}; it goes to the next capable node.`;
  const terms = `${j.quantity} ${j.unit}, due ${formatDateTime(j.dueAt)}${j.price ? `, for ${formatMoney(j.price.amount, j.price.currency)}` : ''}`;
  if (j.nodeId && ['accepted', 'in-progress'].includes(j.status)) return `Your counter-offer for ${what} was taken: ${terms}.`;
  if (j.nodeId && j.status === 'waiting-for-money') return `Your counter-offer for ${what} was taken: ${terms}. The work starts once the paying account holds the price.`;
  return `Your counter-offer for ${what} was not taken (${j.offers.at(-1)?.reason ?? 'the job’s rules'}); the job goes to another node.`;
}

function Work({ nodeId, load, wipLimit, name }: { nodeId: string; load: number; wipLimit: number; name: string }) {
  const work = useNodeWork(nodeId);
  const answer = useAnswerOffer(nodeId);
  const progress = useReportProgress(nodeId);
  const complete = useCompleteJob(nodeId);
  const [notice, setNotice] = useState<string | null>(null);
  if (work.isPending) return <Loading />;
  if (work.isError) return <ProblemView error={work.error} />;
  const { offers, inHand, delivered, ended } = work.data;
  const onAnswer = async (a: OfferAnswer) => setNotice(answered(a, await answer.mutateAsync(a)));
  return (
    <>
      <LoadBar load={load} wipLimit={wipLimit} name={name} />
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      <Card title={`Offers waiting for your answer (${offers.total})`}>
        {offers.items.length ? (
          <ul className="list">
            {offers.items.map((j) => (
              <li key={j.id} className="job" aria-label={jobTitle(j)}>
                <JobHead job={j} />
                {j.openOfferId ? <OfferActions job={{ id: j.id, quantity: j.quantity, unit: j.unit, dueAt: j.dueAt, openOfferId: j.openOfferId, price: j.price, priceCeiling: j.priceCeiling }} onAnswer={onAnswer} /> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No offer is waiting. New offers also come to your webhook endpoint.</p>
        )}
      </Card>
      <PendingHandoffs nodeId={nodeId} title="Goods handed to this node" hideWhenEmpty />
      <Card title={`Jobs in hand (${inHand.total})`}>
        {inHand.items.length ? (
          <ul className="list">
            {inHand.items.map((j) => (
              <li key={j.id} className="job" aria-label={jobTitle(j)}>
                <JobHead job={j} />
                <InHand job={j} onProgress={(p) => progress.mutateAsync({ jobId: j.id, ...p })} onComplete={(c) => complete.mutateAsync({ jobId: j.id, ...c }).then((r) => setNotice(`Reported done: ${c.made} made, ${c.scrapped} scrapped. ${r.status === 'delivered' ? 'The recipient is asked to confirm.' : ''}`))} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">Nothing in hand.</p>
        )}
      </Card>
      <Card title={`Delivered, awaiting confirmation (${delivered.total})`}>
        <JobTable nodeId={nodeId} jobs={delivered.items} empty="Nothing awaits the recipient’s confirmation." />
      </Card>
      <Card title="Ended lately">
        <JobTable nodeId={nodeId} jobs={ended.items} empty="No job has ended yet." />
      </Card>
    </>
  );
}

function JobHead({ job: j }: { job: Job }) {
  return (
    <div className="job-head">
      <div>
        <strong>{jobTitle(j)}</strong> {j.rework ? <span className="badge badge-warn">Rework: the last delivery was rejected</span> : null}
        <div className="small muted">
          {[j.title ? `${j.quantity} ${j.unit}, ${j.capability}` : null, j.forWhat ? `for ${j.forWhat}` : null].filter(Boolean).join(' · ')}
          {j.title || j.forWhat ? ' · ' : ''}
          <a href={j.specUrl} target="_blank" rel="noreferrer noopener">
            specification
          </a>
        </div>
        {j.paidInOutput ? <div className="small">{j.paidInOutput}</div> : null}
        {j.rework ? <div className="small">Why it came back: {j.runs.filter((r) => r.confirmation === 'rejected').at(-1)?.reason ?? 'no reason given'}</div> : null}
      </div>
      <div className="small">
        Due <Deadline at={j.dueAt} />
      </div>
    </div>
  );
}

function InHand({ job: j, onProgress, onComplete }: { job: Job; onProgress: (p: { percent: number; note?: string }) => Promise<unknown>; onComplete: (c: { made: number; scrapped: number; documents: Array<{ title: string; url: string }> }) => Promise<unknown> }) {
  const [finishing, setFinishing] = useState(false);
  const percent = j.progress?.percent ?? 0;
  return (
    <div className="stack">
      <ProgressBar label={`Progress of ${jobTitle(j)}`} value={percent} valueText={`${percent} %`} />
      <span className="small muted">
        {j.progress ? `${percent} %${j.progress.note ? `: ${j.progress.note}` : ''}${j.progress.reportedAt ? ` (${formatDateTime(j.progress.reportedAt)})` : ''}` : 'No progress reported yet.'}
      </span>
      <ProgressForm current={j.progress?.percent ?? null} onReport={onProgress} />
      <div>
        <Button type="button" variant={finishing ? 'secondary' : 'primary'} aria-expanded={finishing} onClick={() => setFinishing(!finishing)}>
          {finishing ? 'Cancel: not done yet' : 'Report it done…'}
        </Button>
      </div>
      {finishing ? <CompleteForm quantity={j.quantity} unit={j.unit} documentsRequired={j.documentsRequired} deliverable={j.deliverable} onComplete={onComplete} /> : null}
    </div>
  );
}

const RUN_WORDS: Record<string, string> = { confirmed: 'confirmed', rejected: 'rejected', unanswered: 'not answered' };

function JobTable({ jobs, empty, nodeId }: { jobs: Job[]; empty: string; nodeId: string }) {
  const now = useNow(60_000);
  if (!jobs.length) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="cards">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Made
            </th>
            <th scope="col" className="num">
              Scrapped
            </th>
            <th scope="col">Lead time</th>
            <th scope="col">Documents</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => {
            const lt = leadTimeMs(j.leadTimes, now);
            const last = j.runs.at(-1);
            return (
              <tr key={j.id}>
                <th scope="row">
                  {jobTitle(j)}
                  <div className="small muted">{j.forWhat}</div>
                </th>
                <td data-label="Status">
                  {jobStatusWords(j.status)}
                  {last?.confirmation && j.status !== 'confirmed' ? <div className="small muted">last delivery {RUN_WORDS[last.confirmation] ?? last.confirmation}</div> : null}
                  {j.price && (j.payment === 'paid' || j.payment === 'part-paid') ? (
                    <div className="small">
                      Paid <Money minor={j.paidAmount} currency={j.price.currency} /> ·{' '}
                      <a href={paths.nodeReceipt(nodeId, j.id)} target="_blank" rel="noopener">
                        Receipt
                      </a>
                    </div>
                  ) : null}
                </td>
                <td className="num" data-label="Made">
                  {j.yield.made}
                </td>
                <td className="num" data-label="Scrapped">
                  {j.yield.scrapped}
                </td>
                <td data-label="Lead time">{lt === null ? '—' : formatDuration(lt)}</td>
                <td data-label="Documents">
                  {j.runs.flatMap((r) => r.documents ?? []).map((d, i) => (
                    <div key={i}>
                      <a href={d.url} target="_blank" rel="noreferrer noopener">
                        {d.title}
                      </a>
                    </div>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
