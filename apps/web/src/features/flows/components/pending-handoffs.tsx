import { useState } from 'react';
import { Link } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Card, Loading } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { formatDateTime } from '@/lib/dates';
import { problemMessage } from '@/lib/problem';
import { useAnswerMyHandoff, useMyHandoffs, useMyLotTrace, type HandoffView } from '../api/flows';
import { partyName } from '../flow-words';
import type { HandoffAnswerBody } from '../handoff-rules';
import { HandoffAnswerForm } from './handoff-answer-form';

/** At most this many pending hand-offs are listed at once (answering one brings the next). */
const PENDING = 50;

/** What an answer did, in words. */
function answeredWords(h: HandoffView, body: HandoffAnswerBody, unit: string): string {
  if (!body.accepted) return `You refused ${h.quantitySent} ${unit} from ${partyName(h.from)}: it goes back to its maker for rework.`;
  const got = body.quantityReceived ?? h.quantitySent;
  return `You confirmed ${got} ${unit} from ${partyName(h.from)}${got < h.quantitySent ? `; the ${h.quantitySent - got} missing are made again` : ''}.`;
}

/**
 * Hand-offs waiting for my answer (to me, to a pickup point I keep, to nodes I own), or only
 * those to one node of mine: each says what was sent, by whom, since when, with the answer form.
 */
export function PendingHandoffs({ nodeId, title = 'Hand-offs waiting for your answer', empty = 'No hand-off waits for your answer.', hideWhenEmpty = false }: { nodeId?: string; title?: string; empty?: string; hideWhenEmpty?: boolean }) {
  const list = useMyHandoffs('pending', 0, PENDING);
  const [notice, setNotice] = useState<string | null>(null);
  if (list.isPending) return hideWhenEmpty ? null : <Loading />;
  if (list.isError) return <Alert kind="error">{problemMessage(list.error)}</Alert>;
  const items = list.data.items.filter((h) => h.status === 'pending' && (!nodeId || (h.to.type === 'node' && h.to.id === nodeId)));
  if (!items.length && hideWhenEmpty && !notice) return null;
  return (
    <Card title={`${title} (${items.length})`}>
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      {items.length ? (
        <ul className="list">
          {items.map((h) => (
            <PendingHandoff key={h.id} handoff={h} showReceiver={!nodeId} onDone={setNotice} />
          ))}
        </ul>
      ) : (
        <p className="muted">{empty}</p>
      )}
      {list.data.total > PENDING ? <p className="small muted">The {PENDING} oldest are shown: answer them to see the next.</p> : null}
    </Card>
  );
}

function PendingHandoff({ handoff: h, showReceiver, onDone }: { handoff: HandoffView; showReceiver: boolean; onDone: (words: string) => void }) {
  const trace = useMyLotTrace(h.lotId);
  const answer = useAnswerMyHandoff();
  const lot = trace.data?.lot;
  const unit = lot?.unit ?? '';
  const what = lot ? `${h.quantitySent} ${lot.unit} ${lot.item}` : `${h.quantitySent} units`;
  return (
    <li className="job" aria-label={`${what} from ${partyName(h.from)}`}>
      <div className="job-head">
        <strong>
          {what} from {partyName(h.from)}
        </strong>
        <span className="small muted">sent {formatDateTime(h.createdAt)}</span>
      </div>
      <p className="small" style={{ margin: '.2rem 0' }}>
        {showReceiver && h.to.type !== 'member' ? <>To {h.to.type === 'pickup' ? `the pickup point ${partyName(h.to)}, which you keep` : `your node ${partyName(h.to)}`} · </> : null}
        {h.legId ? 'brought by a carrier · ' : ''}
        {lot ? `made by ${lot.madeBy.nodeName ?? 'a node'} · ` : null}
        <Link to={paths.myLot(h.lotId)}>where it comes from</Link>
      </p>
      <HandoffAnswerForm
        handoff={h}
        unit={unit}
        onAnswer={async (body) => {
          await answer.mutateAsync({ id: h.id, body });
          onDone(answeredWords(h, body, unit || 'units'));
        }}
      />
    </li>
  );
}
