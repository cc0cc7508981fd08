import type { PhasePlan, PhaseTask, PhaseView } from '@app/contracts';
import {
  AssetEntity,
  AssetsRepository,
  FundingRepository,
  FundingRoundEntity,
  JobPaymentsRepository,
  JobsRepository,
  LedgerAccountEntity,
  LedgerService,
  MembersRepository,
  NodeEntity,
  NodesRepository,
  PhaseJobRow,
  ProjectEntity,
  ProjectEventEntity,
  ProjectPhaseEntity,
  ProjectPhasePlanEntity,
  ProjectPhasesRepository,
  ProjectsRepository,
  RecipeRecord,
  RecipesRepository,
} from '@app/db';
import { strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { IdempotencyService } from '../common/idempotency.service';
import { PhasePlanDto } from './phases.dto';
import { PhasesService } from './phases.service';

const project = (over: Partial<ProjectEntity> = {}) => Object.assign(new ProjectEntity(), { id: 'p1', workflowId: 'project-p1', phase: 'rnd', status: 'active', ...over });
const task = (over: Partial<PhaseTask> = {}): PhaseTask => ({
  key: 'design',
  title: 'Concept design',
  capability: 'cad',
  quantity: 1,
  unit: 'design',
  specUrl: 'https://spec.example/d',
  dueInDays: 14,
  output: 'design',
  licence: 'CC-BY-SA-4.0' as PhaseTask['licence'],
  recipient: { type: 'member', id: 'm1' },
  upgrade: null,
  offerTimeoutHours: 12,
  confirmWithinHours: 48,
  ...over,
});
const plan = (over: Partial<PhasePlan> = {}): PhasePlan => ({ phase: 'rnd', summary: 'Design it', tasks: [task()], budget: null, gate: null, nodes: [], ...over });
const dtoFor = (p: PhasePlan) => ({ toPlan: () => p }) as unknown as PhasePlanDto;
const attempt = (over: Partial<ProjectPhaseEntity> & { view?: Partial<PhaseView> } = {}) =>
  Object.assign(new ProjectPhaseEntity(), {
    projectId: 'p1',
    phase: 'rnd',
    attempt: 1,
    workflowId: 'project-p1-rnd-1',
    status: 'working',
    roundId: null,
    ...over,
    view: { tasks: [], nodeChecks: [], upgrades: [], reason: null, ...over.view } as unknown as PhaseView,
  });

function setup() {
  const projects = strictMock<ProjectsRepository>();
  const phases = strictMock<ProjectPhasesRepository>();
  const jobs = strictMock<JobsRepository>();
  const funding = strictMock<FundingRepository>();
  const members = strictMock<MembersRepository>();
  const nodes = strictMock<NodesRepository>();
  const assets = strictMock<AssetsRepository>();
  const keys = strictMock<IdempotencyService>({ once: jest.fn((_k, _s, _r, fn: () => Promise<unknown>) => fn()) as IdempotencyService['once'] });
  const t = temporalClientMock();
  const ledger = strictMock<LedgerService>();
  const payments = strictMock<JobPaymentsRepository>();
  const recipes = strictMock<RecipesRepository>();
  const service = new PhasesService(projects, phases, jobs, funding, members, nodes, assets, t.client as never, keys, ledger, payments, recipes);
  return { service, projects, phases, jobs, funding, members, nodes, assets, keys, ledger, payments, recipes, ...t };
}

describe('PhasesService.putPlan', () => {
  it.each([
    ['the project has ended', project({ status: 'completed' }), null, 'project_not_active'],
    ['the project is past the phase', project({ phase: 'prototyping' }), null, 'phase_passed'],
    ['the phase runs', project(), attempt({ status: 'funding' }), 'phase_running'],
    ['the phase is done', project(), attempt({ status: 'done' }), 'phase_done'],
  ])('refuses a plan it may no longer change: %s', async (_why, p, latest, code) => {
    const s = setup();
    s.projects.findById.mockResolvedValue(p);
    s.phases.latestAttempt.mockResolvedValue(latest);
    await expect(s.service.putPlan('p1', 'rnd', dtoFor(plan()))).rejects.toMatchObject({ status: 409, code });
  });

  it('checks everything the plan names against the registry and answers every problem by field (422)', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project({ phase: 'upgrade' }));
    s.phases.latestAttempt.mockResolvedValue(null);
    s.members.activeIds.mockResolvedValue(new Set());
    s.nodes.findByIds.mockResolvedValue([Object.assign(new NodeEntity(), { id: 'n1', automationLevel: 'automated' })]);
    s.assets.exists.mockResolvedValue(false);
    s.assets.findById.mockResolvedValue(Object.assign(new AssetEntity(), { id: 'a1', totalParts: 1000n }));
    const upgrade = { nodeId: 'n1', toLevel: 'computer-aided' as const, capacities: [] };
    const p = plan({
      phase: 'upgrade',
      tasks: [
        task({ key: 'parts', output: 'goods', licence: null, recipient: { type: 'member', id: 'm-gone' } }),
        task({ key: 'raise', output: 'upgrade', licence: null, recipient: { type: 'node', id: 'n1' }, upgrade }),
        task({ key: 'ship', output: 'goods', licence: null, recipient: { type: 'node', id: 'n-gone' } }),
      ],
      gate: { mode: 'members', voters: 'owners', assetId: 'a-gone', rule: { kind: 'majority' }, votingHours: 24 },
      // 1000 parts for a goal of 1,000,000: a pledge below 1,000 would not earn a whole part.
      budget: { goal: '1000000', currency: 'EUR', minPledge: '999', openForHours: 24, closeWhenGoalMet: true, payoutApproval: 'coordinator', assetId: 'a1', documents: [] } as PhasePlan['budget'],
    });
    const err = await s.service.putPlan('p1', 'upgrade', dtoFor(p)).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, code: 'invalid_plan' });
    expect((err as { errors: Array<{ field: string; code: string }> }).errors.map((e) => [e.field, e.code])).toEqual([
      ['tasks[0].recipient.id', 'unknown_member'],
      ['tasks[1].upgrade.toLevel', 'not_an_upgrade'],
      ['tasks[2].recipient.id', 'unknown_node'],
      ['gate.assetId', 'unknown_asset'],
      ['budget.minPledge', 'asset_parts_too_coarse'],
    ]);
    expect(s.members.activeIds).toHaveBeenCalledWith(['m-gone']);
    expect(s.nodes.findByIds).toHaveBeenCalledWith(['n1', 'n-gone']);
  });

  it('refuses recipe tasks whose recipe is unknown, invalid, or makes another unit (422, by field)', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project({ phase: 'node-buildout' }));
    s.phases.latestAttempt.mockResolvedValue(null);
    s.members.activeIds.mockResolvedValue(new Set(['m1']));
    s.nodes.findByIds.mockResolvedValue([]);
    const step = (key: string, unit: string, inputs: Array<{ step: string; perUnit: number; unit: string }> = []) => ({ key, capability: key, produces: { item: key, unit }, inputs, leadTimeHours: 4 });
    const good = { name: 'shelf', steps: [step('cut', 'panel'), step('assemble', 'shelf', [{ step: 'cut', perUnit: 2, unit: 'panel' }])] };
    const cyclic = { name: 'loop', steps: [step('a', 'pc', [{ step: 'b', perUnit: 1, unit: 'pc' }]), step('b', 'pc', [{ step: 'a', perUnit: 1, unit: 'pc' }])] };
    const saved: Record<string, RecipeRecord> = {
      'r-good': { id: 'r-good', name: 'shelf', version: 1, definition: good, createdBy: 'c', createdAt: new Date() },
      'r-loop': { id: 'r-loop', name: 'loop', version: 1, definition: cyclic, createdBy: 'c', createdAt: new Date() },
    };
    s.recipes.find.mockImplementation((id: string) => Promise.resolve(saved[id] ?? null));
    const goods = { output: 'goods' as const, licence: null };
    const p = plan({
      phase: 'node-buildout',
      tasks: [
        task({ key: 'gone', ...goods, unit: 'shelf', recipeId: 'r-gone' }),
        task({ key: 'loop', ...goods, unit: 'pc', recipeId: 'r-loop' }),
        task({ key: 'unit', ...goods, unit: 'box', recipeId: 'r-good' }),
        task({ key: 'fine', ...goods, unit: 'shelf', recipeId: 'r-good' }),
      ],
    });
    const err = await s.service.putPlan('p1', 'node-buildout', dtoFor(p)).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, code: 'invalid_plan' });
    expect((err as { errors: Array<{ field: string; code: string }> }).errors.map((e) => [e.field, e.code])).toEqual([
      ['tasks[0].recipeId', 'unknown_recipe'],
      ['tasks[1].recipeId', 'invalid_recipe'],
      ['tasks[2].unit', 'recipe_unit_mismatch'],
    ]);
    expect(s.phases.putPlan).not.toHaveBeenCalled();
  });

  it('stores a sound plan and answers it as stored', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.phases.latestAttempt.mockResolvedValue(attempt({ status: 'failed' }));
    s.members.activeIds.mockResolvedValue(new Set(['m1']));
    s.nodes.findByIds.mockResolvedValue([]);
    s.phases.putPlan.mockResolvedValue();
    const stored = Object.assign(new ProjectPhasePlanEntity(), { version: 2 });
    s.phases.plan.mockResolvedValue(stored);
    await expect(s.service.putPlan('p1', 'rnd', dtoFor(plan()))).resolves.toBe(stored);
    expect(s.phases.putPlan).toHaveBeenCalledWith('p1', 'rnd', plan());
  });
});

describe('PhasesService.putPlan: budgets that hold', () => {
  const eur = (balance: bigint) => [Object.assign(new LedgerAccountEntity(), { id: 'acc', kind: 'project', ownerId: 'p1', currency: 'EUR', balance })] as never;
  const budget = { goal: '50000', currency: 'EUR', minPledge: '100', openForHours: 48, closeWhenGoalMet: true, payoutApproval: 'coordinator' as const, assetId: null, documents: [] } as PhasePlan['budget'];
  function ready() {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.phases.latestAttempt.mockResolvedValue(null);
    s.members.activeIds.mockResolvedValue(new Set(['m1']));
    s.nodes.findByIds.mockResolvedValue([]);
    return s;
  }

  it('refuses priced tasks that cost more than the budget and the project balance together (422 over_budget, with the figures); a ceiling counts as the cost', async () => {
    const s = ready();
    s.ledger.accountsWithBalances.mockResolvedValue(eur(10_000n));
    s.payments.projectFigures.mockResolvedValue([{ phase: 'rnd', currency: 'EUR', reserved: 7_000n, paid: 0n }]);
    const p = plan({ budget, tasks: [task({ key: 'a', price: { amount: '30000', currency: 'EUR' } }), task({ key: 'b', price: { amount: '25000', currency: 'EUR' }, priceCeiling: '30001' })] });
    const err = await s.service.putPlan('p1', 'rnd', dtoFor(p)).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, code: 'over_budget', extensions: { currency: 'EUR', budget: '50000', available: '10000', reserved: '7000', asked: '60001' } });
    expect(s.phases.putPlan).not.toHaveBeenCalled();
  });

  it('stores priced tasks that fit; refuses a task priced in another currency (422) or with a ceiling below its price (400)', async () => {
    const s = ready();
    s.ledger.accountsWithBalances.mockResolvedValue(eur(10_000n));
    s.payments.projectFigures.mockResolvedValue([]);
    s.phases.putPlan.mockResolvedValue();
    s.phases.plan.mockResolvedValue(new ProjectPhasePlanEntity());
    const fits = plan({ budget, tasks: [task({ key: 'a', price: { amount: '30000', currency: 'EUR' } }), task({ key: 'b', price: { amount: '30000', currency: 'EUR' } })] });
    await s.service.putPlan('p1', 'rnd', dtoFor(fits));
    expect(s.phases.putPlan).toHaveBeenCalledWith('p1', 'rnd', fits);
    const foreign = plan({ budget, tasks: [task({ key: 'a', price: { amount: '1', currency: 'GBP' } })] });
    await expect(s.service.putPlan('p1', 'rnd', dtoFor(foreign))).rejects.toMatchObject({ status: 422, code: 'currency_mismatch', errors: [{ field: 'tasks.0.price.currency' }] });
    const low = plan({ budget, tasks: [task({ key: 'a', price: { amount: '100', currency: 'EUR' }, priceCeiling: '99' })] });
    await expect(s.service.putPlan('p1', 'rnd', dtoFor(low))).rejects.toMatchObject({ status: 400, errors: [{ field: 'tasks.0.priceCeiling' }] });
    expect(s.phases.putPlan).toHaveBeenCalledTimes(1);
  });
});

describe('PhasesService.start', () => {
  it('a phase without a plan is a 409 that says what to do', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.phases.plan.mockResolvedValue(null);
    await expect(s.service.start('p1', 'rnd', 'coordinator')).rejects.toMatchObject({ status: 409, code: 'phase_not_planned' });
  });

  it('a restart carries the funded round and the confirmed tasks; the key becomes the update id', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.phases.plan.mockResolvedValue(Object.assign(new ProjectPhasePlanEntity(), { plan: plan() }));
    s.funding.fundedRoundOf.mockResolvedValue('r1');
    s.jobs.confirmedTaskKeys.mockResolvedValue(['design']);
    s.handle.executeUpdate.mockResolvedValue({ phase: 'rnd' });
    await s.service.start('p1', 'rnd', 'coordinator', 'k1');
    expect(s.workflow.getHandle).toHaveBeenCalledWith('project-p1');
    expect(s.handle.executeUpdate.mock.calls[0][1]).toEqual({
      args: [{ actor: 'coordinator', phase: 'rnd', plan: plan(), carried: { fundedRoundId: 'r1', doneTaskKeys: ['design'] } }],
      updateId: 'start-phase:k1',
    });
  });
});

describe('PhasesService.details', () => {
  const jobRow = (over: Partial<PhaseJobRow>): PhaseJobRow => ({
    id: 'j1',
    phase: 'rnd',
    taskKey: 'design',
    capability: 'cad',
    status: 'confirmed',
    nodeId: 'n1',
    nodeName: 'Shop',
    offers: [],
    dueAt: new Date('2027-03-01T00:00:00Z'),
    firstOfferedAt: new Date('2027-02-01T00:00:00Z'),
    acceptedAt: null,
    completedAt: null,
    confirmedAt: new Date('2027-02-02T06:00:00Z'),
    unsettledPrice: null,
    ...over,
  });

  it('assembles each phase from the read models: state, the attempt’s and carried jobs in plan order, lead times, skips', async () => {
    const s = setup();
    const twoTasks = plan({ tasks: [task({ key: 'design' }), task({ key: 'review' })] });
    s.phases.plans.mockResolvedValue([Object.assign(new ProjectPhasePlanEntity(), { phase: 'rnd', version: 3, plan: twoTasks })]);
    s.phases.attempts.mockResolvedValue([
      attempt({ attempt: 2, status: 'working', roundId: 'r1', view: { tasks: [{ key: 'review', jobId: 'j2', status: 'working' }, { key: 'design', jobId: null, status: 'carried' }] } as never }),
      attempt({ attempt: 1, status: 'failed' }),
    ]);
    s.funding.ofProject.mockResolvedValue([
      Object.assign(new FundingRoundEntity(), { id: 'r1', status: 'funded', goal: 500n, total: 600n, currency: 'EUR', backers: 4, deadline: new Date('2027-01-10T00:00:00Z'), payoutApproval: 'coordinator' }),
    ]);
    s.jobs.ofProjectPhases.mockResolvedValue([
      jobRow({ id: 'j2', taskKey: 'review', status: 'in-progress', confirmedAt: null }),
      jobRow({ id: 'j1', taskKey: 'design', status: 'confirmed' }), // an earlier attempt's: carried
      jobRow({ id: 'j0', taskKey: 'design', status: 'cancelled' }), // an earlier attempt's, not confirmed: not shown
    ]);
    s.phases.outputs.mockResolvedValue([]);
    s.projects.events.mockResolvedValue([Object.assign(new ProjectEventEntity(), { kind: 'skipped', fromPhase: 'prototyping', note: null })]);
    s.phases.openDecisions.mockResolvedValue([]);
    s.payments.projectFigures.mockResolvedValue([{ phase: 'rnd', currency: 'EUR', reserved: 120n, paid: 200n }]);
    const details = await s.service.details(project(), null);
    const rnd = details.find((d) => d.phase === 'rnd')!;
    expect(rnd).toMatchObject({ state: 'running', planVersion: 3, attempt: 2, round: { id: 'r1', goal: '500', total: '600', backers: 4 } });
    // Budget (the round's goal), what its priced jobs hold and have paid, and what is left.
    expect(rnd.money).toEqual({ currency: 'EUR', budget: '500', reserved: '120', paid: '200', left: '180' });
    expect(details.find((d) => d.phase === 'node-buildout')!.money).toBeNull();
    expect(rnd.jobs.map((j) => j.id)).toEqual(['j1', 'j2']);
    expect(rnd.jobs[0].leadTimes).toMatchObject({ firstOfferedAt: '2027-02-01T00:00:00.000Z', offerToConfirmHours: 30 });
    expect(details.find((d) => d.phase === 'prototyping')).toMatchObject({ state: 'skipped', skippedBecause: 'no reason given', blockedOn: [] });
    expect(details.find((d) => d.phase === 'node-buildout')).toMatchObject({ state: 'not-planned' });
  });
});
