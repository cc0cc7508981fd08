import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { formatDateTime } from '@/lib/dates';
import type { HandoffLike, LotTraceLike, TraceLotLike } from '../flow-types';
import { handoffTone, LOT_STATUS_WORDS, partyName, safeUrl, words } from '../flow-words';
import '../flows.css';

const short = (id: string) => id.slice(0, 8);

function LotRef({ id, href }: { id: string; href?: (id: string) => string }) {
  return href ? (
    <Link to={href(id)}>
      lot <code>{short(id)}</code>
    </Link>
  ) : (
    <>
      lot <code>{short(id)}</code>
    </>
  );
}

/** One hand-off in words: who handed how much to whom, and who confirmed what, when. */
export function handoffWords(h: HandoffLike, unit: string): string {
  const from = partyName(h.from);
  const to = partyName(h.to);
  const sent = `${from} → ${to}: ${h.quantitySent} ${unit} sent`;
  if (h.status === 'accepted') {
    const got = h.quantityReceived ?? h.quantitySent;
    const shortBy = h.quantitySent - got;
    return `${sent}, ${got} received${shortBy > 0 ? ` (${shortBy} short)` : ''}; confirmed by ${to}${h.answeredAt ? ` on ${formatDateTime(h.answeredAt)}` : ''}`;
  }
  if (h.status === 'rejected') return `${sent}; refused by ${to}${h.answeredAt ? ` on ${formatDateTime(h.answeredAt)}` : ''}${h.reason ? `: “${h.reason}”` : ''}`;
  return `${sent}; waiting for ${to} to confirm (since ${formatDateTime(h.createdAt)})`;
}

/** Where a lot is now, from its status and its last accepted hand-off. */
export function lotWhereabouts(lot: TraceLotLike): string {
  const last = [...lot.handoffs].reverse().find((h) => h.status === 'accepted');
  const holder = last ? partyName(last.to) : (lot.madeBy.nodeName ?? 'its maker');
  switch (lot.status) {
    case 'delivered':
      return `Delivered to ${holder}.`;
    case 'consumed':
      return `Used by ${holder} in a later step.`;
    case 'in-transit':
      return `On the way with ${holder}.`;
    case 'received':
      return `Received by ${holder}.`;
    case 'rejected':
      return 'Refused: it goes back to its step for rework.';
    default:
      return `At ${holder}, made.`;
  }
}

function HandoffItem({ h, unit }: { h: HandoffLike; unit: string }) {
  const photo = safeUrl(h.photoUrl);
  const tone = handoffTone(h.status);
  return (
    <li>
      <span className={`badge ${tone === 'done' ? 'badge-ok' : tone === 'problem' ? 'badge-err' : 'badge-warn'}`}>{h.status === 'accepted' ? 'confirmed' : h.status === 'rejected' ? 'refused' : 'waiting'}</span> {handoffWords(h, unit)}
      {h.legId ? <span className="small muted"> (transport leg)</span> : null}
      {h.note ? <span className="small"> · note: “{h.note}”</span> : null}
      {photo ? (
        <span className="small">
          {' '}
          ·{' '}
          <a href={photo} target="_blank" rel="noopener noreferrer">
            photo
          </a>
        </span>
      ) : null}
    </li>
  );
}

function LotItem({ lot, relation, current, lotHref }: { lot: TraceLotLike; relation?: ReactNode; current?: boolean; lotHref?: (id: string) => string }) {
  return (
    <li className={`trace-lot${current ? ' trace-this' : ''}`} aria-current={current ? 'true' : undefined}>
      <div className="trace-head">
        <strong>
          {lot.quantity} {lot.unit} {lot.item}
        </strong>
        <span className={`badge ${lot.status === 'delivered' ? 'badge-ok' : lot.status === 'rejected' ? 'badge-err' : ''}`}>{words(LOT_STATUS_WORDS, lot.status)}</span>
        <span className="small muted">
          {current ? (
            <>
              this lot, <code>{short(lot.id)}</code>
            </>
          ) : (
            <LotRef id={lot.id} href={lotHref} />
          )}{' '}
          · step {lot.stepKey}
        </span>
      </div>
      {relation ? <div className="small muted">{relation}</div> : null}
      <ol className="trace-events">
        <li>
          <span className="badge badge-info">made</span> by {lot.madeBy.nodeName ?? `node ${short(lot.madeBy.nodeId)}`} (run {lot.madeBy.run}) on {formatDateTime(lot.madeAt)}
          {lot.reworkOf ? (
            <>
              , a rework of <LotRef id={lot.reworkOf} href={lotHref} />
            </>
          ) : null}
        </li>
        {lot.handoffs.map((h) => (
          <HandoffItem key={h.id} h={h} unit={lot.unit} />
        ))}
      </ol>
      <p className="small" style={{ margin: '.2rem 0 0' }}>
        {lotWhereabouts(lot)}
      </p>
    </li>
  );
}

const DIRECTIONS = {
  // Listed the way the goods went: backward from the deepest lot (the first maker), forward from the nearest.
  backward: { heading: 'Made from', hint: 'From the first maker to this lot.', label: 'Lots it was made from', relation: 'went into', deepestFirst: true },
  forward: { heading: 'Went into', hint: 'From this lot to where it ended.', label: 'Lots it went into', relation: 'made from', deepestFirst: false },
} as const;

/** The lots on one side of the traced lot, in the order of the way goods went, each naming its neighbour towards this lot (`via`). */
function TraceSide({ direction, lots, thisLotId, lotHref }: { direction: keyof typeof DIRECTIONS; lots: LotTraceLike['backward' | 'forward']; thisLotId: string; lotHref?: (id: string) => string }) {
  if (!lots.length) return null;
  const d = DIRECTIONS[direction];
  const sign = d.deepestFirst ? -1 : 1;
  const ordered = lots.map((l, i) => ({ l, i })).sort((a, b) => sign * (a.l.depth - b.l.depth) || a.i - b.i);
  return (
    <>
      <h3>{d.heading}</h3>
      <p className="small muted">{d.hint}</p>
      <ol className="trace" aria-label={d.label}>
        {ordered.map(({ l }) => (
          <LotItem
            key={l.id}
            lot={l}
            lotHref={lotHref}
            relation={
              <>
                {d.relation} <LotRef id={l.via} href={l.via === thisLotId ? undefined : lotHref} />
                {l.via === thisLotId ? ' (this lot)' : ''}
              </>
            }
          />
        ))}
      </ol>
    </>
  );
}

/**
 * A lot's trace as a list from maker to recipient: first the lots it was made from (the furthest
 * first), then the lot itself, then what it went into and where that ended. Each lot says who made
 * it and every hand-off it went through: how much was sent and received, who confirmed and when,
 * with the receiver's note and photo.
 */
export function LotTraceList({ trace, lotHref }: { trace: LotTraceLike; lotHref?: (id: string) => string }) {
  return (
    <div className="trace-list">
      <TraceSide direction="backward" lots={trace.backward} thisLotId={trace.lot.id} lotHref={lotHref} />
      <h3>This lot</h3>
      <ol className="trace" aria-label="This lot">
        <LotItem lot={trace.lot} current lotHref={lotHref} />
      </ol>
      <TraceSide direction="forward" lots={trace.forward} thisLotId={trace.lot.id} lotHref={lotHref} />
      {!trace.backward.length && !trace.forward.length ? <p className="small muted">It was made from no earlier lot of the flow, and has gone into nothing yet.</p> : null}
    </div>
  );
}
