import { AssetEntity, DecisionEntity, LeasesRepository, DecisionsRepository, DecisionVoterEntity, FundingRoundEntity, MemberEntity, MemberPagesRepository, OutputPlanEntity, ProjectEntity, StatementsRepository } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { cell, decimal, MeService } from './me.service';

const me = Object.assign(new MemberEntity(), { id: 'm1', name: 'Ada', status: 'active' });
const catalogue = [{ id: 'salad', name: 'Salad', unit: 'heads', capacityPerUnit: 2, leadTimeDays: 30, capability: 'greenhouse' }];
const asset = (over: Partial<AssetEntity> = {}) =>
  Object.assign(new AssetEntity(), { id: 'a1', name: 'Greenhouse', kind: 'greenhouse', identifier: null, totalParts: 10n, timeZone: 'UTC', outputCatalogue: catalogue, quarterlyCapacity: 100, capacityUnit: 'm2', orderWindow: null, ...over });
const round = Object.assign(new FundingRoundEntity(), {
  id: 'r1',
  projectId: 'p1',
  status: 'open',
  reason: null,
  goal: 100_000n,
  total: 25_000n,
  backers: 3,
  currency: 'EUR',
  minPledge: 1_000n,
  deadline: new Date('2031-01-01T00:00:00Z'),
  closeWhenGoalMet: false,
  documents: [{ title: 'Plan', url: 'https://x.test/plan.pdf', contentHash: 'sha256:abc', extra: 'not shown' }],
});

function setup() {
  const pages = strictMock<MemberPagesRepository>();
  const decisions = strictMock<DecisionsRepository>();
  const statements = strictMock<StatementsRepository>();
  const leases = strictMock<LeasesRepository>({ isLessee: jest.fn(async () => false) });
  return { pages, decisions, statements, leases, service: new MeService(pages, decisions, statements, leases) };
}

describe('MeService', () => {
  it('the agenda: pending decisions, open rounds with my pledge, open order windows; amounts as digit strings', async () => {
    const s = setup();
    const d = Object.assign(new DecisionEntity(), { id: 'd1', kind: 'phase-gate', title: 'Go on?', deadline: new Date('2030-06-01T00:00:00Z') });
    s.decisions.forMember.mockResolvedValue({ items: [{ decision: d, voter: new DecisionVoterEntity() }], total: 1 });
    s.pages.openRounds.mockResolvedValue([{ round, projectName: 'Rack', myPledge: 2_500n }]);
    s.pages.openOrderWindows.mockResolvedValue([{ assetId: 'a1', assetName: 'Greenhouse', quarter: '2031-Q1', closesAt: new Date('2030-12-20T17:00:00Z'), ordered: false }]);
    const agenda = await s.service.agenda(me);
    expect(s.decisions.forMember).toHaveBeenCalledWith('m1', 'pending', { limit: 100, offset: 0 });
    expect(agenda).toEqual({
      decisions: [{ id: 'd1', kind: 'phase-gate', title: 'Go on?', deadline: '2030-06-01T00:00:00.000Z' }],
      rounds: [{ roundId: 'r1', projectId: 'p1', projectName: 'Rack', goal: '100000', total: '25000', currency: 'EUR', deadline: '2031-01-01T00:00:00.000Z', myPledge: '2500' }],
      orderWindows: [{ assetId: 'a1', assetName: 'Greenhouse', quarter: '2031-Q1', closesAt: '2030-12-20T17:00:00.000Z', ordered: false }],
    });
  });

  it('a round’s page: my pledge and what I have available in its currency; documents without extra fields; unknown round 404', async () => {
    const s = setup();
    s.pages.round.mockResolvedValueOnce({ round, project: Object.assign(new ProjectEntity(), { name: 'Rack', description: 'A rack' }) });
    s.pages.pledgeOf.mockResolvedValue(2_500n);
    s.pages.balances.mockResolvedValue([
      { currency: 'USD', available: 1n, held: 0n },
      { currency: 'EUR', available: 7_000n, held: 2_500n },
    ]);
    const page = await s.service.round(me, 'r1');
    expect(page).toMatchObject({ roundId: 'r1', projectName: 'Rack', myPledge: '2500', available: '7000', total: '25000', minPledge: '1000' });
    expect(page.documents).toEqual([{ title: 'Plan', url: 'https://x.test/plan.pdf', contentHash: 'sha256:abc' }]);
    expect(s.pages.pledgeOf).toHaveBeenCalledWith('r1', 'm1');
    s.pages.round.mockResolvedValueOnce(null);
    await expect(s.service.round(me, 'r9')).rejects.toMatchObject({ status: 404 });
  });

  it('holdings: my parts and shares among the owners, and this quarter’s output by product', async () => {
    const s = setup();
    const plan = Object.assign(new OutputPlanEntity(), {
      quarter: '2031-Q1',
      status: 'planned',
      plan: { lines: [{ memberId: 'm1', productId: 'salad', requested: 5, granted: 5 }, { memberId: 'm2', productId: 'salad', requested: 3, granted: 3 }, { memberId: 'm2', productId: 'kale', requested: 1, granted: 0 }] },
    });
    s.pages.holdings.mockResolvedValue([
      {
        asset: asset(),
        owners: [
          { memberId: 'm2', name: 'Bo', parts: 7n, outputParts: 6n },
          { memberId: 'm1', name: 'Ada', parts: 3n, outputParts: 4n },
        ],
        latestPlan: plan,
      },
    ]);
    const { assets } = await s.service.holdings(me);
    expect(assets[0]).toMatchObject({ myParts: '3', totalParts: '10', producing: true });
    expect(assets[0].myPercent).toMatch(/^30/);
    expect(assets[0].myOutputPercent).toMatch(/^40/);
    expect(assets[0].owners.map((o) => o.isMe)).toEqual([false, true]);
    expect(assets[0].thisQuarter).toEqual({ quarter: '2031-Q1', status: 'planned', products: [{ productId: 'salad', name: 'Salad', unit: 'heads', quantity: 8 }] });
  });

  it('the statement as CSV: oldest first, exact decimals, cells a spreadsheet never runs as formulas', async () => {
    const s = setup();
    const other = (kind: string, scope: string | null) => ({ kind, name: null, scope, job: null });
    s.statements.accountOf.mockResolvedValue('a1');
    s.statements.chunk.mockResolvedValue([
      { entryId: 'e1', transactionId: 't1', at: new Date('2030-01-01T00:00:00Z'), kind: 'deposit', memo: null, other: other('external', null), description: 'Deposit', amount: 1_000n, cursor: 'c1' },
      { entryId: 'e2', transactionId: 't2', at: new Date('2030-01-02T00:00:00Z'), kind: 'pledge-hold', memo: '=HYPERLINK("x")', other: other('hold', 'Rack, Inc'), description: 'Pledge', amount: -1_050n, cursor: 'c2' },
    ]);
    const csv = await s.service.statementCsv(me, 'EUR');
    expect(s.statements.accountOf).toHaveBeenCalledWith('member', 'm1', 'EUR');
    expect(s.statements.chunk).toHaveBeenCalledWith('a1', null, 1000);
    expect(csv.split('\r\n')).toEqual([
      'date,kind,counterparty,memo,amount,currency,balance',
      '2030-01-01T00:00:00.000Z,deposit,Outside the network,,10.00,EUR,10.00',
      `2030-01-02T00:00:00.000Z,pledge-hold,"Funding round of “Rack, Inc” (held)","'=HYPERLINK(""x"")",-10.50,EUR,-0.50`,
      '',
    ]);
    expect(decimal(5n, 0)).toBe('5');
    expect(decimal(-7n, 3)).toBe('-0.007');
    expect(cell('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('the order page: owners only (403), an asset with a catalogue (409); the open quarter’s catalogue and my entitlement as it opened', async () => {
    const s = setup();
    s.pages.asset.mockResolvedValue(asset());
    s.pages.owners.mockResolvedValueOnce([{ memberId: 'm2', name: 'Bo', parts: 10n, outputParts: 10n }]);
    await expect(s.service.orderPage(me, 'a1')).rejects.toMatchObject({ status: 403, code: 'not_an_owner' });
    s.pages.owners.mockResolvedValue([{ memberId: 'm1', name: 'Ada', parts: 5n, outputParts: 5n }]);
    s.pages.asset.mockResolvedValueOnce(asset({ outputCatalogue: [] }));
    await expect(s.service.orderPage(me, 'a1')).rejects.toMatchObject({ status: 409, code: 'no_catalogue' });

    const opened = Object.assign(new OutputPlanEntity(), {
      quarter: '2031-Q1',
      status: 'open',
      windowOpensAt: new Date(Date.now() - 86_400_000),
      windowClosesAt: new Date(Date.now() + 86_400_000),
      startsAt: new Date(Date.now() + 10 * 86_400_000),
      catalogue: [{ ...catalogue[0], name: 'Salad (as opened)' }],
      capacity: 60,
    });
    s.pages.latestPlan.mockResolvedValue(opened);
    s.pages.latestAllocated.mockResolvedValue(null);
    s.pages.outputWeights.mockResolvedValue([
      { memberId: 'm1', weight: 1n },
      { memberId: 'm2', weight: 2n },
    ]);
    s.pages.memberOrders.mockResolvedValue({ myOrder: null, standingOrder: { memberId: 'm1', lines: [{ productId: 'salad', quantity: 3 }], standing: true, placedAt: '2030-01-01T00:00:00.000Z' } });
    const page = await s.service.orderPage(me, 'a1');
    expect(s.pages.outputWeights).toHaveBeenCalledWith('a1', '2031-Q1');
    expect(s.pages.memberOrders).toHaveBeenCalledWith('a1', 'm1', '2031-Q1');
    expect(page).toMatchObject({ quarter: '2031-Q1', status: 'open', capacity: 60, entitlement: 20, myOrder: null, standingOrder: { standing: true, lines: [{ productId: 'salad', quantity: 3 }] }, lastAllocation: null });
    expect(page.catalogue[0].name).toBe('Salad (as opened)');
  });
});
