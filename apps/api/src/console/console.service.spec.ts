import { ConsoleRepository, FundingRepository, FundingRoundEntity, JobContextsRepository, LedgerService } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { ConsoleService } from './console.service';

const round = (id: string, over: Partial<FundingRoundEntity> = {}) =>
  Object.assign(new FundingRoundEntity(), {
    id,
    projectId: 'p1',
    status: 'open',
    goal: 1_000n,
    total: 0n,
    currency: 'EUR',
    backers: 0,
    deadline: new Date('2031-01-01T00:00:00Z'),
    payoutApproval: 'coordinator',
    reason: null,
    createdAt: new Date('2030-01-01T00:00:00Z'),
    ...over,
  });

function setup() {
  const repo = strictMock<ConsoleRepository>();
  const contexts = strictMock<JobContextsRepository>();
  const funding = strictMock<FundingRepository>();
  const ledger = strictMock<LedgerService>();
  return { repo, contexts, funding, ledger, service: new ConsoleService(repo, contexts, funding, ledger) };
}

describe('ConsoleService', () => {
  it('rounds: the page with each open round’s live total (one call for the page), amounts as digits', async () => {
    const s = setup();
    s.repo.rounds.mockResolvedValue({ rows: [{ round: round('r1'), projectName: 'Rack' }, { round: round('r2', { status: 'funded', total: 1_000n, backers: 9 }), projectName: 'Greenhouse' }], total: 2, byStatus: [{ status: 'open', count: 1 }] });
    s.funding.withLiveTotals.mockImplementation(async (rs) => rs.map((r) => (r.status === 'open' ? Object.assign(r, { total: 640n, backers: 3 }) : r)));
    const page = await s.service.rounds({ status: undefined } as never);
    expect(s.funding.withLiveTotals).toHaveBeenCalledTimes(1);
    expect(page.items.map((r) => [r.roundId, r.projectName, r.total, r.backers])).toEqual([
      ['r1', 'Rack', '640', 3],
      ['r2', 'Greenhouse', '1000', 9],
    ]);
    expect(page).toMatchObject({ total: 2, byStatus: [{ status: 'open', count: 1 }] });
  });

  it('the ledger by name: every account’s owner in words, and the trial balance per currency in order', async () => {
    const s = setup();
    const row = (kind: string, over: Record<string, unknown> = {}) => ({ id: `${kind}-1`, kind, ownerId: 'o1', ownerName: null, scopeName: null, currency: 'EUR', balance: -5n, ...over });
    s.repo.accounts.mockResolvedValue({
      rows: [row('external'), row('hold', { ownerName: 'Ada', scopeName: 'Rack' }), row('round', { ownerName: 'Rack' }), row('project'), row('member', { ownerName: 'Bo', balance: 12n })] as never,
      total: 5,
    });
    s.ledger.trialBalance.mockResolvedValue({ USD: 0n, EUR: 0n });
    const page = await s.service.accounts({ kind: undefined, currency: undefined } as never);
    expect(page.items.map((a) => a.owner)).toEqual(['Outside the network', 'Ada: held for the round of “Rack”', 'Funding round of “Rack”', 'A project', 'Bo']);
    expect(page.items[4].balance).toBe('12');
    expect(page.trialBalance).toEqual([
      { currency: 'EUR', total: '0' },
      { currency: 'USD', total: '0' },
    ]);
  });

  it('the network page passes its default page on', async () => {
    const s = setup();
    s.repo.network.mockResolvedValue({ locations: [], nodes: [], total: 0 } as never);
    await expect(s.service.network({} as never)).resolves.toMatchObject({ limit: 200, offset: 0 });
    expect(s.repo.network).toHaveBeenCalledWith({ limit: 200, offset: 0 });
  });
});
