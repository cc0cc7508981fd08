import { formatDate, formatDateTime } from '@/lib/dates';
import { position, ticks, type TimelineModel, type TimelineRow } from '../timeline-model';

const TONE_WORDS: Record<string, string> = { done: 'done', running: 'running', waiting: 'waiting', failed: 'failed', skipped: 'skipped', idle: '' };

function when(m: TimelineModel, at: number): string {
  // Over less than two days, the hour matters; beyond, the day.
  return m.end - m.start < 2 * 86_400_000 ? formatDateTime(new Date(at)) : formatDate(new Date(at));
}

/** The axis: the first tick with its date, the others only with what changed (the time within a day); no label twice. */
function tickLabels(m: TimelineModel): Array<{ at: number; label: string }> {
  const day = (at: number) => new Date(at).toDateString();
  // A project minutes old (a demo, a test) needs the seconds.
  const seconds = m.end - m.start < 10 * 60_000;
  const time = (at: number) => new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) });
  const out: Array<{ at: number; label: string }> = [];
  for (const at of ticks(m)) {
    const label = out.length === 0 ? (seconds ? `${formatDate(new Date(at))}, ${time(at)}` : when(m, at)) : m.end - m.start < 2 * 86_400_000 ? (day(at) === day(m.start) ? time(at) : formatDateTime(new Date(at))) : formatDate(new Date(at));
    if (out.at(-1)?.label !== label && !(out.length === 1 && label === time(m.start))) out.push({ at, label });
  }
  return out;
}

function rowWords(m: TimelineModel, r: TimelineRow): string {
  if (r.start === null) return `${r.label}: ${r.detail}; not begun`;
  return `${r.label}: ${r.detail}; from ${when(m, r.start)}${r.open ? ', still going' : r.end !== null ? ` to ${when(m, r.end)}` : ''}`;
}

/**
 * The phase timeline: one band per phase, with the phase, its round, its jobs and its gate as bars
 * in time (plain CSS, positioned in percent of the project's life so far). The current phase's
 * bars reach the "now" line. Each row is a list item that says in words what its bar shows.
 */
export function ProjectTimeline({ model }: { model: TimelineModel }) {
  const axis = tickLabels(model);
  return (
    <figure className="ptl" aria-label="Phase timeline">
      <div className="ptl-axis" aria-hidden="true">
        <span className="ptl-label" />
        <span className="ptl-track">
          {axis.map(({ at, label }, i) => (
            <span key={at} className="ptl-tick" style={{ left: `${position(model, at)}%` }} data-edge={i === 0 ? 'start' : i === axis.length - 1 ? 'end' : undefined}>
              {label}
            </span>
          ))}
        </span>
      </div>
      <ol className="ptl-groups">
        {model.groups.map((g) => (
          <li key={g.phase} className={`ptl-group${g.current ? ' ptl-current' : ''}`}>
            <ul className="ptl-rows">
              {g.rows.map((r) => (
                <li key={r.key} className={`ptl-row ptl-${r.kind}`} aria-label={rowWords(model, r)}>
                  <span className="ptl-label">
                    {r.kind === 'phase' ? <strong>{r.label}</strong> : r.label}
                    <span className="ptl-detail">{r.detail}</span>
                  </span>
                  <span className="ptl-track" aria-hidden="true">
                    {r.start !== null && r.end !== null ? (
                      <span className={`ptl-bar${r.open ? ' ptl-open' : ''}`} style={{ left: `${position(model, r.start)}%`, width: `${Math.max(0.8, position(model, r.end) - position(model, r.start))}%` }}>
                        {r.segments.map((s, i) => {
                          const span = Math.max(1, r.end! - r.start!);
                          return (
                            <span
                              key={i}
                              className={`ptl-seg ptl-${s.tone}`}
                              title={`${s.label}${TONE_WORDS[s.tone] ? ` (${TONE_WORDS[s.tone]})` : ''}`}
                              style={{ left: `${((s.start - r.start!) / span) * 100}%`, width: `${Math.max(0, ((s.end - s.start) / span) * 100)}%` }}
                            />
                          );
                        })}
                      </span>
                    ) : (
                      <span className="ptl-none">{r.kind === 'phase' ? 'ahead' : 'not begun'}</span>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      <figcaption className="small muted ptl-legend">
        <span>
          <i className="ptl-swatch ptl-idle" /> planning, offered, at the gate
        </span>
        <span>
          <i className="ptl-swatch ptl-running" /> running
        </span>
        <span>
          <i className="ptl-swatch ptl-waiting" /> waiting for someone
        </span>
        <span>
          <i className="ptl-swatch ptl-done" /> done
        </span>
        <span>
          <i className="ptl-swatch ptl-failed" /> failed
        </span>
        <span>Bars that reach the right edge are still going (the edge is now).</span>
      </figcaption>
    </figure>
  );
}
