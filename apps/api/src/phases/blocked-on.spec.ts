import { blockedOn, BlockedOnInput, flowBlockers, lateness } from './blocked-on';

const base: BlockedOnInput = { state: 'running', current: true, round: null, jobs: [], decisions: [], nodeChecks: [], gateVote: null };
const offer = { offerId: 'j1:1', nodeId: 'n1', offeredAt: '2026-11-21T10:00:00.000Z', answer: null, reason: null, answeredAt: null };

describe('blockedOn', () => {
  it('says who acts at each stage of a running phase', () => {
    const r = blockedOn({
      ...base,
      round: { id: 'r1', status: 'open', total: '500', goal: '1000', currency: 'EUR', deadline: '2026-12-01T00:00:00.000Z', payoutApproval: 'coordinator' },
      jobs: [
        { id: 'j1', taskKey: 'concept', status: 'offered', nodeId: null, offers: [offer], dueAt: '2026-12-10T00:00:00.000Z', offerTimeoutHours: 24 },
        { id: 'j2', taskKey: 'detail', status: 'in-progress', nodeId: 'n2', offers: [], dueAt: '2026-12-10T00:00:00.000Z', offerTimeoutHours: 24 },
        { id: 'j3', taskKey: 'report', status: 'delivered', nodeId: 'n3', offers: [], dueAt: '2026-12-10T00:00:00.000Z', offerTimeoutHours: 24 },
        { id: 'j4', taskKey: 'done', status: 'confirmed', nodeId: 'n3', offers: [], dueAt: '2026-12-10T00:00:00.000Z', offerTimeoutHours: 24 },
      ],
      decisions: [{ id: 'd1', subjectType: 'delivery', subjectId: 'j3', deadline: '2026-12-12T00:00:00.000Z', pending: ['m9'] }],
      nodeChecks: [{ nodeId: 'n7', status: 'pending', detail: null }, { nodeId: 'n8', status: 'verified', detail: 'ok' }],
    });
    expect(r.map((b) => [b.party, b.id, b.until])).toEqual([
      ['members', null, '2026-12-01T00:00:00.000Z'],
      ['node', 'n1', '2026-11-22T10:00:00.000Z'],
      ['node', 'n2', '2026-12-10T00:00:00.000Z'],
      ['member', 'm9', '2026-12-12T00:00:00.000Z'],
      ['node', 'n7', null],
    ]);
    expect(r[3].decisionId).toBe('d1');
  });

  it('a priced job waiting for money is on the coordinator (top up the project), naming the task', () => {
    const r = blockedOn({ ...base, jobs: [{ id: 'j5', taskKey: 'frame', status: 'waiting-for-money', nodeId: 'n2', offers: [], dueAt: '2026-12-10T00:00:00.000Z', offerTimeoutHours: 24 }] });
    expect(r).toEqual([{ party: 'coordinator', id: null, what: expect.stringMatching(/^task frame: waiting for money/), until: null, jobId: 'j5' }]);
  });

  it('puts the payout on the coordinator or on the backers', () => {
    const round = { id: 'r1', status: 'awaiting-payout' as const, total: '1000', goal: '1000', currency: 'EUR', deadline: 'x', payoutApproval: 'members' as const };
    expect(blockedOn({ ...base, round, decisions: [{ id: 'd2', subjectType: 'funding-round', subjectId: 'r1', deadline: 'y', pending: ['a', 'b'] }] })[0]).toMatchObject({ party: 'members', decisionId: 'd2' });
    expect(blockedOn({ ...base, round: { ...round, payoutApproval: 'coordinator' } })[0]).toMatchObject({ party: 'coordinator' });
  });

  it('after the work: the gate, on the coordinator or on the voting members; nothing for phases not current', () => {
    expect(blockedOn({ ...base, state: 'done' })).toEqual([expect.objectContaining({ party: 'coordinator', what: expect.stringContaining('advance') })]);
    const gateVote = { decisionId: 'd3', fromPhase: 'rnd' as const, toPhase: 'prototyping' as const, deadline: 'z', voters: 3, status: 'open' as const, reason: null };
    expect(blockedOn({ ...base, state: 'done', gateVote })).toEqual([expect.objectContaining({ party: 'members', decisionId: 'd3' })]);
    expect(blockedOn({ ...base, state: 'failed' })[0].what).toContain('restart');
    // A vote opened by skipping a phase that never ran is the voters' move, not "start the phase".
    expect(blockedOn({ ...base, state: 'planned', gateVote })).toEqual([expect.objectContaining({ party: 'members', decisionId: 'd3' })]);
    expect(blockedOn({ ...base, current: false, state: 'planned' })).toEqual([]);
    expect(blockedOn({ ...base, state: 'skipped' })).toEqual([]);
  });

  it('a delivery nobody confirmed in time, its price still reserved, is the treasurer’s to settle in any phase, with its figures', () => {
    const job = { id: 'j6', taskKey: 'bracket', status: 'delivered' as const, nodeId: 'n3', offers: [], dueAt: 'x', offerTimeoutHours: 24, unsettledPrice: { amount: '48000', currency: 'EUR' } };
    const blocker = { party: 'coordinator', id: null, what: expect.stringMatching(/^task bracket: delivered, not confirmed in time; 48000 EUR/), until: null, jobId: 'j6', settle: { amount: '48000', currency: 'EUR' } };
    expect(blockedOn({ ...base, jobs: [job] })).toEqual([blocker]);
    expect(blockedOn({ ...base, state: 'done', jobs: [job] })).toEqual([blocker, expect.objectContaining({ what: expect.stringContaining('advance') })]);
    const gateVote = { decisionId: 'd3', fromPhase: 'rnd' as const, toPhase: 'prototyping' as const, deadline: 'z', voters: 3, status: 'open' as const, reason: null };
    expect(blockedOn({ ...base, state: 'done', gateVote, jobs: [job] })).toEqual([blocker, expect.objectContaining({ decisionId: 'd3' })]);
    expect(blockedOn({ ...base, current: false, state: 'done', jobs: [job] })).toEqual([blocker]);
    expect(blockedOn({ ...base, jobs: [{ ...job, unsettledPrice: null }] })).toEqual([]);
  });
});

describe('flowBlockers', () => {
  const HOUR = 3_600_000;
  const base = { flowId: 'f1', recipeName: 'Oak shelf', stepKey: 'cut', toStep: null, legId: null, flowType: null, nodeId: null, plannedDoneAt: '2031-01-01T00:00:00.000Z', lateByMs: null };

  it('says which step is late, by how much, and on whom', () => {
    expect(flowBlockers([{ ...base, kind: 'late-step', nodeId: 'n1', lateByMs: 5 * HOUR + 10 * 60_000 }])).toEqual([
      { party: 'node', id: 'n1', what: 'step `cut` of flow Oak shelf is late by 5 h', until: base.plannedDoneAt, flowId: 'f1', stepKey: 'cut', lateByMs: 5 * HOUR + 10 * 60_000 },
    ]);
    expect(flowBlockers([{ ...base, kind: 'late-step', lateByMs: 20 * 60_000 }])[0]).toMatchObject({ party: 'coordinator', id: null, what: 'step `cut` of flow Oak shelf is late by 20 min (no node has taken it yet)' });
  });

  it('puts a leg no carrier takes on the coordinator', () => {
    expect(flowBlockers([{ ...base, kind: 'no-carrier', toStep: 'assemble', legId: 'l1', flowType: 'cold-chain' }])).toEqual([
      { party: 'coordinator', id: null, what: 'no carrier takes the cold-chain leg from step `cut` to step `assemble` of flow Oak shelf: register a transport node for cold-chain serving both locations', until: base.plannedDoneAt, flowId: 'f1', stepKey: 'cut', legId: 'l1' },
    ]);
    expect(flowBlockers([{ ...base, kind: 'no-carrier', legId: 'l2', flowType: 'crate' }])[0].what).toContain('to the recipient');
  });

  it('words lateness in minutes, hours, then days', () => {
    expect([lateness(1), lateness(59 * 60_000), lateness(HOUR), lateness(47 * HOUR), lateness(48 * HOUR), lateness(53 * HOUR)]).toEqual(['1 min', '59 min', '1 h', '47 h', '2 d', '2 d 5 h']);
  });
});
