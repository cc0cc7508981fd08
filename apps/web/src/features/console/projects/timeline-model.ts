import { phaseName } from '@/components/ui/phase-timeline';
import { jobStatusWords } from '@/features/jobs/job-words';
import { formatMoney } from '@/lib/money';
import type { PhaseDetailView, ProjectDetailView, WorkingPhase } from './api';
import { PHASE_STATE_WORDS, ROUND_STATUS_WORDS, transitionActor } from './project-words';

/**
 * A project's phase timeline as bars in time, computed from GET /admin/projects/:id (its
 * transitions, its phases' event streams, rounds and jobs): one group per phase with the phase
 * itself, its funding round, its jobs and its gate. Pure: the page draws it, tests check it.
 */

export type Tone = 'done' | 'running' | 'waiting' | 'failed' | 'skipped' | 'idle';

export interface Segment {
  start: number;
  end: number;
  tone: Tone;
  label: string;
}

export interface TimelineRow {
  key: string;
  kind: 'phase' | 'round' | 'job' | 'gate';
  label: string;
  /** What the bar says in words (status, dates come from the bar): also the row's accessible description. */
  detail: string;
  /** Null: not begun, nothing to draw. */
  start: number | null;
  end: number | null;
  /** Still going: the bar reaches now. */
  open: boolean;
  segments: Segment[];
}

export interface TimelineGroup {
  phase: WorkingPhase;
  name: string;
  state: PhaseDetailView['state'];
  stateWords: string;
  current: boolean;
  rows: TimelineRow[];
}

export interface TimelineModel {
  start: number;
  end: number;
  groups: TimelineGroup[];
}

const t = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

/** The instant the project entered a phase, and the one it left it (null while it is in it, or never was). */
function phaseSpan(d: ProjectDetailView, phase: WorkingPhase, coordinators: Map<string, string>): { entered: number | null; left: number | null; how: string | null } {
  const entered = d.timeline.find((e) => e.toPhase === phase && (e.kind === 'started' || e.kind === 'advanced' || e.kind === 'skipped'));
  const leaving = d.timeline.find((e) => e.fromPhase === phase && (e.kind === 'advanced' || e.kind === 'skipped' || e.kind === 'completed'));
  // A cancelled project stays in the phase it was cancelled in.
  const cancelled = d.status === 'cancelled' && d.phase === phase ? d.timeline.find((e) => e.kind === 'cancelled') : undefined;
  const left = leaving ?? cancelled;
  return {
    entered: entered ? t(entered.occurredAt) : phase === 'rnd' ? t(d.createdAt) : null,
    left: left ? t(left.occurredAt) : null,
    how: left ? (left.kind === 'skipped' ? 'skipped' : left.kind === 'cancelled' ? 'project cancelled' : `gate passed by ${transitionActor(left.actor, coordinators)}`) : null,
  };
}

/** The phase's own events of its latest attempt, by kind (the first of each). */
function phaseEvent(d: ProjectDetailView, p: PhaseDetailView, kind: string): number | null {
  const e = d.events.find((x) => x.source === 'phase' && x.phase === p.phase && x.attempt === p.attempt && x.kind === kind);
  return e ? t(e.at) : null;
}

function jobRow(d: ProjectDetailView, p: PhaseDetailView, j: PhaseDetailView['jobs'][number], now: number): TimelineRow {
  const lt = j.leadTimes;
  const dispatched = d.events.find((e) => e.source === 'phase' && e.phase === p.phase && e.kind === 'job-dispatched' && (e.note ?? '').includes(j.id));
  const start = t(lt.firstOfferedAt) ?? (dispatched ? t(dispatched.at) : null);
  const accepted = t(lt.acceptedAt);
  const completed = t(lt.completedAt);
  const confirmed = t(lt.confirmedAt);
  const ended = confirmed !== null || j.status === 'cancelled' || j.status === 'failed';
  const end = confirmed ?? (ended ? Math.max(start ?? 0, accepted ?? 0, completed ?? 0) : now);
  const segments: Segment[] = [];
  if (start !== null) {
    const offeredEnd = accepted ?? completed ?? end;
    segments.push({ start, end: offeredEnd, tone: accepted === null && !ended ? 'waiting' : 'idle', label: 'offered' });
    if (accepted !== null) segments.push({ start: accepted, end: completed ?? end, tone: completed === null && !ended ? 'running' : 'done', label: 'at work' });
    if (completed !== null) segments.push({ start: completed, end: confirmed ?? end, tone: confirmed === null && !ended ? 'waiting' : 'done', label: 'delivered' });
  }
  const who = j.nodeName ? ` · ${j.nodeName}` : '';
  return {
    key: `job-${j.id}`,
    kind: 'job',
    label: `Job ${j.taskKey ?? j.capability}`,
    detail: `${jobStatusWords(j.status)}${who}`,
    start,
    end: start === null ? null : end,
    open: start !== null && !ended,
    segments,
  };
}

/** `coordinators`: names by id, for who passed each gate. */
export function buildTimeline(d: ProjectDetailView, now: number, coordinators: Map<string, string> = new Map()): TimelineModel {
  const active = d.status === 'active';
  const groups: TimelineGroup[] = d.phases.map((p) => {
    const span = phaseSpan(d, p.phase, coordinators);
    const current = active && d.phase === p.phase;
    const rows: TimelineRow[] = [];
    const phaseEnd = span.left ?? (span.entered !== null && current ? now : null);
    const workStart = phaseEvent(d, p, 'phase-started');
    const workEnd = phaseEvent(d, p, 'phase-done') ?? phaseEvent(d, p, 'phase-failed') ?? phaseEvent(d, p, 'phase-cancelled');
    const segments: Segment[] = [];
    if (span.entered !== null && phaseEnd !== null) {
      segments.push({ start: span.entered, end: workStart ?? phaseEnd, tone: 'idle', label: 'planning' });
      if (workStart !== null) segments.push({ start: workStart, end: workEnd ?? phaseEnd, tone: p.state === 'failed' ? 'failed' : workEnd === null ? 'running' : 'done', label: 'work' });
      if (workEnd !== null) segments.push({ start: workEnd, end: phaseEnd, tone: 'idle', label: 'at the gate' });
    }
    rows.push({
      key: `phase-${p.phase}`,
      kind: 'phase',
      label: phaseName(p.phase),
      detail: `${PHASE_STATE_WORDS[p.state] ?? p.state}${p.attempt && p.attempt > 1 ? ` (attempt ${p.attempt})` : ''}${span.how ? ` · ${span.how}` : span.entered === null ? ' · not reached' : ''}`,
      start: span.entered,
      end: phaseEnd,
      open: span.left === null && current,
      segments,
    });
    if (p.round) {
      const r = p.round;
      const opened = phaseEvent(d, p, 'round-opened') ?? workStart;
      const closed = phaseEvent(d, p, 'round-closed');
      const settled = ['funded', 'failed', 'cancelled'].includes(r.status);
      const end = closed ?? (settled ? opened : now);
      rows.push({
        key: `round-${r.id}`,
        kind: 'round',
        label: 'Funding round',
        detail: `${formatMoney(r.total, r.currency)} of ${formatMoney(r.goal, r.currency)} · ${ROUND_STATUS_WORDS[r.status] ?? r.status}`,
        start: opened,
        end: opened === null ? null : end,
        open: opened !== null && closed === null && !settled,
        segments: opened === null || end === null ? [] : [{ start: opened, end, tone: r.status === 'funded' ? 'done' : r.status === 'awaiting-payout' ? 'waiting' : ['failed', 'cancelled'].includes(r.status) ? 'failed' : 'running', label: r.status }],
      });
    }
    for (const j of p.jobs) rows.push(jobRow(d, p, j, now));
    // The gate: a members' vote drawn from its opening to its result; a coordinator's pass is the phase's end.
    const opened = d.timeline.find((e) => e.kind === 'vote-opened' && e.fromPhase === p.phase);
    if (opened) {
      const vote = d.live?.gateVote?.fromPhase === p.phase ? d.live.gateVote : undefined;
      const failed = d.timeline.find((e) => e.kind === 'vote-failed' && e.fromPhase === p.phase);
      const start = Date.parse(opened.occurredAt);
      const end = span.left ?? (failed ? Date.parse(failed.occurredAt) : now);
      const isOpen = vote?.status === 'open';
      rows.push({
        key: `gate-${p.phase}`,
        kind: 'gate',
        label: 'Gate: members’ vote',
        detail: vote ? { open: 'open', approved: 'approved', 'not-approved': 'not approved', cancelled: 'cancelled' }[vote.status] : failed ? 'not approved' : span.left ? 'approved' : 'open',
        start,
        end,
        open: isOpen,
        segments: [{ start, end, tone: isOpen ? 'waiting' : failed && !span.left ? 'failed' : 'done', label: 'vote' }],
      });
    }
    return { phase: p.phase, name: phaseName(p.phase), state: p.state, stateWords: PHASE_STATE_WORDS[p.state] ?? p.state, current, rows };
  });
  const times = groups.flatMap((g) => g.rows.flatMap((r) => [r.start, r.end])).filter((x): x is number => x !== null);
  const start = Math.min(Date.parse(d.createdAt), ...times);
  const last = times.length ? Math.max(...times) : start;
  // At least ten seconds, so that a project a moment old still has an axis.
  const end = Math.max(active ? now : last, start + 10_000);
  return { start, end, groups };
}

/** Where an instant sits on the axis, in percent (clamped). */
export function position(m: Pick<TimelineModel, 'start' | 'end'>, at: number): number {
  const p = ((at - m.start) / (m.end - m.start)) * 100;
  return Math.max(0, Math.min(100, p));
}

/** A handful of evenly spaced instants for the axis. */
export function ticks(m: Pick<TimelineModel, 'start' | 'end'>, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, i) => m.start + ((m.end - m.start) * i) / count);
}
