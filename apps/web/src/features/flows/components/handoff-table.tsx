import { Link } from 'react-router';
import { formatDateTime } from '@/lib/dates';
import type { HandoffLike } from '../flow-types';
import { HANDOFF_STATUS_WORDS, handoffTone, partyName, safeUrl, words } from '../flow-words';

/** Hand-offs as a table (one card per row on a phone): when, who to whom, how much, the answer and the lot. */
export function HandoffTable({ handoffs, lotHref, label }: { handoffs: HandoffLike[]; lotHref?: (id: string) => string; label: string }) {
  if (!handoffs.length) return <p className="muted">No hand-off yet.</p>;
  return (
    <div className="table-wrap">
      <table className="cards" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">From → to</th>
            <th scope="col">Sent</th>
            <th scope="col">Answer</th>
            <th scope="col">Note</th>
            <th scope="col">Lot</th>
          </tr>
        </thead>
        <tbody>
          {handoffs.map((h) => {
            const tone = handoffTone(h.status);
            const photo = safeUrl(h.photoUrl);
            return (
              <tr key={h.id}>
                <th scope="row">
                  {partyName(h.from)} → {partyName(h.to)}
                  <div className="small muted">
                    {formatDateTime(h.createdAt)}
                    {h.legId ? ' · transport leg' : ''}
                  </div>
                </th>
                <td data-label="Sent">
                  {h.quantitySent}
                  {h.quantityReceived !== null ? <div className="small muted">{h.quantityReceived} received</div> : null}
                </td>
                <td data-label="Answer">
                  <span className={`badge ${tone === 'done' ? 'badge-ok' : tone === 'problem' ? 'badge-err' : 'badge-warn'}`}>{words(HANDOFF_STATUS_WORDS, h.status)}</span>
                  {h.answeredAt ? <div className="small muted">{formatDateTime(h.answeredAt)}</div> : null}
                  {h.reason ? <div className="small">“{h.reason}”</div> : null}
                </td>
                <td data-label="Note">
                  {h.note ? `“${h.note}”` : '—'}
                  {photo ? (
                    <>
                      {' '}
                      <a href={photo} target="_blank" rel="noopener noreferrer">
                        photo
                      </a>
                    </>
                  ) : null}
                </td>
                <td data-label="Lot">
                  {lotHref ? (
                    <Link to={lotHref(h.lotId)}>
                      trace <code>{h.lotId.slice(0, 8)}</code>
                    </Link>
                  ) : (
                    <code>{h.lotId.slice(0, 8)}</code>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
