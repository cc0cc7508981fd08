import { describe, expect, it } from 'vitest';
import type { PhaseDetailView, ProjectDetailView } from '../api';
import { blockerAction, blockerWords } from '../components/blockers';
import { buildTimeline, position, ticks } from '../timeline-model';

const H = 3_600_000;
const T0 = Date.parse('2026-11-02T08:00:00Z');
const at = (h: number) => new Date(T0 + h * H).toISOString();

const phase = (p: Partial<PhaseDetailView> & Pick<PhaseDetailView, 'phase'>): PhaseDetailView => ({
  state: 'not-planned',
  planVersion: null,
  summary: null,
  attempt: null,
  reason: null,
  skippedBecause: null,
  round: null,
  jobs: [],
  blockedOn: [],
  money: null,
  ...p,
});

/** R&D done and passed by the coordinator at +30 h; prototyping running since +31 h with a round awaiting payout and one job at work. */
function project(): ProjectDetailView {
  return {
    id: 'p-1',
    name: 'Seed-starting rack',
    description: null,
    phase: 'prototyping',
    status: 'active',
    workflowId: 'project-p-1',
    gate: { mode: 'coordinator' },
    createdBy: 'coordinator',
    createdAt: at(0),
    updatedAt: at(40),
    timeline: [
      { seq: 1, kind: 'started', fromPhase: null, toPhase: 'rnd', status: 'active', actor: 'Tereza Novak', note: null, occurredAt: at(0) },
      { seq: 2, kind: 'advanced', fromPhase: 'rnd', toPhase: 'prototyping', status: 'active', actor: 'coordinator:c-1', note: null, occurredAt: at(30) },
    ],
    events: [
      { at: at(2), source: 'phase', phase: 'rnd', attempt: 1, kind: 'phase-started', actor: null, note: '' },
      { at: at(20), source: 'phase', phase: 'rnd', attempt: 1, kind: 'phase-done', actor: null, note: '' },
      { at: at(31), source: 'phase', phase: 'prototyping', attempt: 1, kind: 'phase-started', actor: null, note: '' },
      { at: at(31), source: 'phase', phase: 'prototyping', attempt: 1, kind: 'round-opened', actor: null, note: '' },
      { at: at(35), source: 'phase', phase: 'prototyping', attempt: 1, kind: 'round-closed', actor: null, note: '' },
      { at: at(36), source: 'phase', phase: 'prototyping', attempt: 1, kind: 'job-dispatched', actor: null, note: 'task build: job 11111111-2222-3333-4444-555555555555 (…)' },
    ],
    phases: [
      phase({ phase: 'rnd', state: 'done', attempt: 1 }),
      phase({
        phase: 'prototyping',
        state: 'running',
        attempt: 1,
        round: { id: 'r-1', status: 'awaiting-payout', goal: '150000', total: '150000', currency: 'EUR', backers: 2, deadline: at(200) },
        jobs: [
          {
            id: '11111111-2222-3333-4444-555555555555',
            taskKey: 'build',
            capability: 'fabrication',
            status: 'in-progress',
            nodeId: 'n-1',
            nodeName: 'Ben’s machine shop',
            dueAt: at(300),
            leadTimes: { firstOfferedAt: at(36), acceptedAt: at(38), completedAt: null, confirmedAt: null },
          },
        ],
      }),
      phase({ phase: 'node-buildout' }),
      phase({ phase: 'upgrade' }),
    ],
    blockedOn: [
      { phase: 'prototyping', party: 'coordinator', id: null, what: "approve the payout of the phase's round", until: null },
      { phase: 'prototyping', party: 'node', id: 'n-1', what: 'make and deliver task build', until: at(300), jobId: '11111111-2222-3333-4444-555555555555' },
    ],
    live: null,
  };
}

describe('the phase timeline model', () => {
  it('draws each phase from entering it to leaving it, the current one up to now, with its work inside', () => {
    const now = T0 + 40 * H;
    const m = buildTimeline(project(), now, new Map([['c-1', 'Tereza Novak']]));
    expect([m.start, m.end]).toEqual([T0, now]);
    const rnd = m.groups[0].rows[0];
    expect(rnd).toMatchObject({ kind: 'phase', start: T0, end: T0 + 30 * H, open: false });
    expect(rnd.detail).toBe('Work done · gate passed by Tereza Novak');
    expect(buildTimeline(project(), now).groups[0].rows[0].detail).toBe('Work done · gate passed by a coordinator');
    expect(rnd.segments.map((s) => [s.label, (s.start - T0) / H, (s.end - T0) / H, s.tone])).toEqual([
      ['planning', 0, 2, 'idle'],
      ['work', 2, 20, 'done'],
      ['at the gate', 20, 30, 'idle'],
    ]);
    const proto = m.groups[1];
    expect(proto.current).toBe(true);
    expect(proto.rows.map((r) => r.kind)).toEqual(['phase', 'round', 'job']);
    expect(proto.rows[0]).toMatchObject({ start: T0 + 30 * H, end: now, open: true });
    // The round closed at +35 h and waits for its payout approval.
    expect(proto.rows[1]).toMatchObject({ start: T0 + 31 * H, end: T0 + 35 * H, open: false, detail: '€1,500.00 of €1,500.00 · awaiting payout approval' });
    expect(proto.rows[1].segments[0].tone).toBe('waiting');
    // The job: offered 2 h, at work since, still going.
    expect(proto.rows[2]).toMatchObject({ label: 'Job build', start: T0 + 36 * H, end: now, open: true, detail: 'In progress · Ben’s machine shop' });
    expect(proto.rows[2].segments.map((s) => [s.label, s.tone])).toEqual([
      ['offered', 'idle'],
      ['at work', 'running'],
    ]);
    // Phases not reached have nothing to draw.
    expect(m.groups[2].rows[0]).toMatchObject({ start: null, end: null, detail: 'No plan yet · not reached' });
  });

  it('draws a members’ vote on the gate while it is open', () => {
    const d = project();
    d.gate = { mode: 'members', voters: 'funders' };
    d.phase = 'rnd';
    d.timeline = [d.timeline[0], { seq: 2, kind: 'vote-opened', fromPhase: 'rnd', toPhase: 'prototyping', status: 'active', actor: 'Tereza Novak', note: null, occurredAt: at(21) }];
    d.live = { phase: 'rnd', status: 'active', pendingRequest: null, transitionCount: 2, gateVote: { decisionId: 'd-1', fromPhase: 'rnd', toPhase: 'prototyping', deadline: at(189), voters: 3, status: 'open', reason: null } };
    const m = buildTimeline(d, T0 + 25 * H);
    const gate = m.groups[0].rows.find((r) => r.kind === 'gate')!;
    expect(gate).toMatchObject({ start: T0 + 21 * H, end: T0 + 25 * H, open: true, detail: 'open' });
  });

  it('places instants on the axis in percent, clamped', () => {
    const m = { start: 0, end: 200 };
    expect([position(m, 50), position(m, -10), position(m, 500)]).toEqual([25, 0, 100]);
    expect(ticks(m, 4)).toEqual([0, 50, 100, 150, 200]);
  });
});

describe('what blocks a project, and the one action for each', () => {
  it('approves a payout, cancels a stuck job, opens a vote', () => {
    const d = project();
    expect(blockerAction(d, d.blockedOn[0])).toEqual({ kind: 'approve-payout', roundId: 'r-1', amount: '€1,500.00' });
    expect(blockerAction(d, d.blockedOn[1])).toEqual({ kind: 'cancel-job', jobId: '11111111-2222-3333-4444-555555555555' });
    expect(blockerAction(d, { phase: 'rnd', party: 'members', id: null, what: 'vote on moving to prototyping', until: at(100), decisionId: 'd-1' })).toEqual({ kind: 'open-vote', decisionId: 'd-1' });
    expect(blockerAction(d, { phase: 'prototyping', party: 'coordinator', id: null, what: 'start the phase', until: null })).toEqual({ kind: 'start-phase' });
    expect(blockerAction(d, { phase: 'prototyping', party: 'node', id: 'n-1', what: 'answer a signed ping (webhook endpoint live and verifying signatures)', until: null })).toBeNull();
  });

  it('a delivery nobody answered: the treasurer settles its reserved price (pay or give back), said in money, not a cancel', () => {
    const d = project();
    const b = {
      phase: 'prototyping' as const,
      party: 'coordinator' as const,
      id: null,
      what: 'task build: delivered, not confirmed in time; 48000 EUR (minor units) is still reserved: a treasurer pays the node or releases the money',
      until: null,
      jobId: '11111111-2222-3333-4444-555555555555',
      settle: { amount: '48000', currency: 'EUR' },
    };
    expect(blockerAction(d, b)).toEqual({ kind: 'settle-job', jobId: b.jobId, amount: '€480.00' });
    expect(blockerWords(d, b)).toBe('Task build was delivered by Ben’s machine shop and nobody confirmed it in time: €480.00 is still reserved. A treasurer pays the node or gives the money back to the project.');
  });

  it('says money as money and hides ids', () => {
    const d = project();
    expect(blockerWords(d, { phase: 'prototyping', party: 'members', id: null, what: 'pledge: 50000 of 150000 EUR (minor units) raised', until: null })).toBe('pledge: €1,500.00 of €1,500.00 raised');
    expect(blockerWords(d, { phase: 'prototyping', party: 'coordinator', id: null, what: 'job 11111111-2222-3333-4444-555555555555: looking for a node', until: null })).toBe('a job: looking for a node');
  });
});
