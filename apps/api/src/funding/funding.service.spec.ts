import { Logger } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { loadConfig } from '@app/config';
import { fundingRoundWorkflowId } from '@app/contracts';
import {
  AssetEntity,
  AssetsRepository,
  FundingPledgeEntity,
  FundingRepository,
  FundingRoundEntity,
  MemberEntity,
  MembersRepository,
  OwnershipService,
  PledgeOutcome,
  PledgeRefusedError,
  ProjectEntity,
  ProjectsRepository,
  uuidFromKey,
} from '@app/db';
import { strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { CreateRoundDto } from './funding.dto';
import { FundingService } from './funding.service';

beforeAll(() => Logger.overrideLogger(false));

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', TEMPORAL_TASK_QUEUE: 'unit-queue' });
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const project = (over: Partial<ProjectEntity> = {}) => Object.assign(new ProjectEntity(), { id: 'p1', name: 'Rack', status: 'active', ...over });
const member = (over: Partial<MemberEntity> = {}) => Object.assign(new MemberEntity(), { id: 'm1', name: 'Ada', status: 'active', ...over });
const DEADLINE = inDays(10);
const dto = (over: Partial<CreateRoundDto> = {}) => Object.assign(new CreateRoundDto(), { goal: 100_000n, currency: 'EUR', deadline: DEADLINE, ...over });
const round = (over: Partial<FundingRoundEntity> = {}) =>
  Object.assign(new FundingRoundEntity(), {
    id: 'r1',
    projectId: 'p1',
    workflowId: fundingRoundWorkflowId('r1'),
    assetId: null,
    goal: 100_000n,
    currency: 'EUR',
    minPledge: 1n,
    deadline: new Date(inDays(10)),
    closeWhenGoalMet: false,
    payoutApproval: 'coordinator',
    operator: null,
    documents: [],
    status: 'open',
    pledgeMode: 'database',
    total: 0n,
    backers: 0,
    createdBy: 'coordinator',
    requestHash: null,
    ...over,
  });

function setup() {
  const funding = strictMock<FundingRepository>();
  const projects = strictMock<ProjectsRepository>();
  const assets = strictMock<AssetsRepository>();
  const ownership = strictMock<OwnershipService>();
  const members = strictMock<MembersRepository>();
  const t = temporalClientMock();
  const service = new FundingService(funding, projects, assets, ownership, members, t.client as never, config);
  return { service, funding, projects, assets, ownership, members, ...t };
}

describe('FundingService.open', () => {
  it('writes the round (pledges in PostgreSQL), then starts its workflow with the round as input', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.funding.find.mockResolvedValueOnce(null); // no round under this id yet
    s.funding.createRound.mockResolvedValue();
    s.funding.find.mockImplementation(async (id) => {
      const row = s.funding.createRound.mock.calls[0][0];
      return round({ id, workflowId: fundingRoundWorkflowId(id), minPledge: BigInt(row.minPledge), requestHash: row.requestHash ?? null });
    });
    s.workflow.start.mockResolvedValue({});
    const { round: r, replayed } = await s.service.open('p1', dto({ minPledge: 500n }), 'coordinator');
    expect(replayed).toBe(false);
    const row = s.funding.createRound.mock.calls[0][0];
    expect(row).toMatchObject({ id: r.id, projectId: 'p1', goal: '100000', minPledge: '500', currency: 'EUR', payoutApproval: 'coordinator', operator: null, idempotencyKey: null, createdBy: 'coordinator' });
    const [type, opts] = s.workflow.start.mock.calls[0];
    expect(type).toBe('fundingRoundWorkflow');
    expect(opts).toMatchObject({ taskQueue: 'unit-queue', workflowId: fundingRoundWorkflowId(r.id), workflowIdConflictPolicy: 'USE_EXISTING' });
    expect(opts.args[0]).toMatchObject({ roundId: r.id, projectName: 'Rack', goal: '100000', minPledge: '500', remindBeforeMs: [3 * 86_400_000, 86_400_000] });
  });

  it('with an Idempotency-Key: the key names the round; a retry with the same body replays (and restarts an unfinished round), another body is 409', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.funding.find.mockResolvedValueOnce(null);
    s.funding.createRound.mockResolvedValue();
    s.funding.find.mockImplementation(async (id) => round({ id, requestHash: s.funding.createRound.mock.calls[0][0].requestHash ?? null }));
    s.workflow.start.mockResolvedValue({});
    const first = await s.service.open('p1', dto(), 'coordinator', 'key-1');
    expect(first.round.id).toBe(uuidFromKey('funding-round:key-1'));

    s.workflow.start.mockRejectedValueOnce(new WorkflowExecutionAlreadyStartedError('started', 'wf', 'fundingRoundWorkflow'));
    const again = await s.service.open('p1', dto(), 'coordinator', 'key-1');
    expect(again.replayed).toBe(true);
    expect(s.funding.createRound).toHaveBeenCalledTimes(1);
    expect(s.workflow.start).toHaveBeenCalledTimes(2);

    await expect(s.service.open('p1', dto({ goal: 5n }), 'coordinator', 'key-1')).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    // A finished round is answered as it is and never restarted.
    s.funding.find.mockResolvedValueOnce(round({ id: first.round.id, status: 'funded', requestHash: s.funding.createRound.mock.calls[0][0].requestHash ?? null }));
    await s.service.open('p1', dto(), 'coordinator', 'key-1');
    expect(s.workflow.start).toHaveBeenCalledTimes(2);
  });

  it('refuses before writing: an unknown or inactive project, a deadline out of range, a minimum above the goal, Temporal down', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValueOnce(null);
    await expect(s.service.open('p1', dto(), 'coordinator')).rejects.toMatchObject({ status: 404 });
    s.funding.find.mockResolvedValue(null);
    s.projects.findById.mockResolvedValue(project({ status: 'cancelled' }));
    await expect(s.service.open('p1', dto(), 'coordinator')).rejects.toMatchObject({ status: 409, code: 'project_not_active' });
    s.projects.findById.mockResolvedValue(project());
    await expect(s.service.open('p1', dto({ deadline: new Date(Date.now() + 60_000).toISOString() }), 'coordinator')).rejects.toMatchObject({ status: 400, errors: [{ field: 'deadline' }] });
    await expect(s.service.open('p1', dto({ deadline: inDays(400) }), 'coordinator')).rejects.toMatchObject({ status: 400, errors: [{ field: 'deadline' }] });
    await expect(s.service.open('p1', dto({ minPledge: 200_000n }), 'coordinator')).rejects.toMatchObject({ status: 400, errors: [{ field: 'minPledge' }] });
    s.workflowService.getSystemInfo.mockRejectedValueOnce(new Error('14 UNAVAILABLE'));
    await expect(s.service.open('p1', dto(), 'coordinator')).rejects.toMatchObject({ status: 503, code: 'temporal_unavailable' });
    expect(s.funding.createRound).not.toHaveBeenCalled();
  });

  it('a round that buys an asset: unknown 422, already owned 409, another round buying it 409, parts too coarse for the minimum 422', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.funding.find.mockResolvedValue(null);
    const asset = Object.assign(new AssetEntity(), { id: 'a1', name: 'Greenhouse', totalParts: 100n });
    s.assets.findById.mockResolvedValueOnce(null);
    await expect(s.service.open('p1', dto({ assetId: 'a1' }), 'coordinator')).rejects.toMatchObject({ status: 422, code: 'unknown_asset' });
    s.assets.findById.mockResolvedValue(asset);
    s.ownership.hasOwners.mockResolvedValueOnce(true);
    await expect(s.service.open('p1', dto({ assetId: 'a1' }), 'coordinator')).rejects.toMatchObject({ status: 409, code: 'asset_has_owners' });
    s.ownership.hasOwners.mockResolvedValue(false);
    s.funding.roundBuying.mockResolvedValueOnce('r0');
    await expect(s.service.open('p1', dto({ assetId: 'a1' }), 'coordinator')).rejects.toMatchObject({ status: 409, code: 'asset_being_funded', detail: expect.stringContaining('r0') });
    expect(s.funding.roundBuying).toHaveBeenCalledWith('a1');
    s.funding.roundBuying.mockResolvedValue(null);
    // 100 parts for 100 000: a pledge below 1 000 earns no whole part.
    await expect(s.service.open('p1', dto({ assetId: 'a1', minPledge: 999n }), 'coordinator')).rejects.toMatchObject({ status: 422, code: 'asset_parts_too_coarse' });
  });

  it('an operator must be an active member putting in between the minimum and the goal', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.funding.find.mockResolvedValue(null);
    s.members.findById.mockResolvedValueOnce(member({ status: 'suspended' }));
    await expect(s.service.open('p1', dto({ operator: { memberId: 'm1', upfront: 20_000n, outputBonusPercent: 10 } }), 'coordinator')).rejects.toMatchObject({ status: 422, code: 'unknown_member' });
    s.members.findById.mockResolvedValue(member());
    await expect(s.service.open('p1', dto({ operator: { memberId: 'm1', upfront: 200_000n, outputBonusPercent: 10 } }), 'coordinator')).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'operator.upfront' }],
    });
  });

  it('a start that fails deletes the unstarted row without a key, and keeps it with one (the client retries with the key)', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.funding.find.mockResolvedValueOnce(null);
    s.funding.createRound.mockResolvedValue();
    s.funding.find.mockImplementation(async (id) => round({ id, requestHash: s.funding.createRound.mock.calls.at(-1)![0].requestHash ?? null }));
    s.funding.deleteUnstarted.mockResolvedValue();
    s.workflow.start.mockRejectedValue(new Error('start failed'));
    await expect(s.service.open('p1', dto(), 'coordinator')).rejects.toThrow('start failed');
    expect(s.funding.deleteUnstarted).toHaveBeenCalledWith(s.funding.createRound.mock.calls[0][0].id);
    s.funding.find.mockResolvedValueOnce(null);
    await expect(s.service.open('p1', dto(), 'coordinator', 'key-2')).rejects.toThrow('start failed');
    expect(s.funding.deleteUnstarted).toHaveBeenCalledTimes(1);
  });
});

describe('FundingService.pledge', () => {
  const outcome = (over: Partial<PledgeOutcome> = {}): PledgeOutcome => ({
    changed: true,
    roundId: 'r1',
    memberId: 'm1',
    amount: 5_000n,
    status: 'open',
    goal: 100_000n,
    currency: 'EUR',
    deadline: new Date('2031-01-01T00:00:00Z'),
    total: 40_000n,
    backers: 3,
    mayCloseOnGoal: false,
    ...over,
  });

  it('sets the pledge in one repository call and answers the live total; no workflow message', async () => {
    const s = setup();
    s.funding.setPledge.mockResolvedValue(outcome());
    await expect(s.service.pledge('r1', member(), 5_000n)).resolves.toEqual({
      roundId: 'r1',
      memberId: 'm1',
      amount: '5000',
      total: '40000',
      backers: 3,
      goal: '100000',
      currency: 'EUR',
      status: 'open',
      deadline: '2031-01-01T00:00:00.000Z',
    });
    expect(s.funding.setPledge).toHaveBeenCalledWith('r1', 'm1', 5_000n);
    expect(s.workflow.getHandle).not.toHaveBeenCalled();
  });

  it('a pledge that meets the goal of a round that closes on it closes the round and signals its workflow once; a lost signal is not the member’s failure', async () => {
    const s = setup();
    s.funding.setPledge.mockResolvedValue(outcome({ mayCloseOnGoal: true, total: 100_000n }));
    s.funding.closeOnGoal.mockResolvedValueOnce(true);
    s.handle.signal.mockResolvedValueOnce(undefined);
    await expect(s.service.pledge('r1', member(), 5_000n)).resolves.toMatchObject({ status: 'closing' });
    expect(s.workflow.getHandle).toHaveBeenCalledWith(fundingRoundWorkflowId('r1'));
    expect(s.handle.signal.mock.calls[0][0].name).toBe('goalReached');

    s.funding.closeOnGoal.mockResolvedValueOnce(true);
    s.handle.signal.mockRejectedValueOnce(new Error('14 UNAVAILABLE'));
    await expect(s.service.pledge('r1', member(), 5_000n)).resolves.toMatchObject({ status: 'closing' });

    // Another pledge closed it first: this one neither closes nor signals.
    s.funding.closeOnGoal.mockResolvedValueOnce(false);
    await expect(s.service.pledge('r1', member(), 5_000n)).resolves.toMatchObject({ status: 'open' });
    expect(s.handle.signal).toHaveBeenCalledTimes(2);
  });

  it('answers each refusal by the pledge table; a legacy round takes the pledge as a workflow update', async () => {
    const s = setup();
    s.funding.setPledge.mockRejectedValueOnce(new PledgeRefusedError('insufficient_funds', 'your balance of €1.00 cannot hold €50.00 more'));
    await expect(s.service.pledge('r1', member(), 5_000n)).rejects.toMatchObject({ status: 409, code: 'insufficient_funds', detail: expect.stringContaining('€1.00') });
    s.funding.setPledge.mockRejectedValueOnce(new PledgeRefusedError('closed', 'the round is closing'));
    await expect(s.service.pledge('r1', member(), 5_000n)).rejects.toMatchObject({ status: 409, code: 'round_closed' });
    s.funding.setPledge.mockRejectedValueOnce(new PledgeRefusedError('not_found', 'no round'));
    await expect(s.service.pledge('r1', member(), 5_000n)).rejects.toMatchObject({ status: 404 });

    s.funding.setPledge.mockRejectedValueOnce(new PledgeRefusedError('legacy_round', 'through its workflow'));
    s.funding.find.mockResolvedValue(round({ pledgeMode: 'workflow' }));
    s.handle.executeUpdate.mockResolvedValueOnce({ total: '9000', backers: 2, goal: '100000', currency: 'EUR', status: 'open', deadline: '2031-01-01T00:00:00.000Z', pledges: [{ memberId: 'm1', amount: '5000' }] });
    await expect(s.service.pledge('r1', member(), 5_000n)).resolves.toMatchObject({ amount: '5000', total: '9000', backers: 2 });
    expect(s.handle.executeUpdate.mock.calls[0][1]).toEqual({ args: [{ memberId: 'm1', amount: '5000' }] });
  });
});

describe('FundingService round updates (cancel, approve)', () => {
  it('send the update with a fixed update id (a retry is applied once)', async () => {
    const s = setup();
    s.funding.find.mockResolvedValue(round());
    s.handle.executeUpdate.mockResolvedValue({ status: 'cancelled' });
    await s.service.cancel('r1', 'coordinator', 'no longer needed');
    expect(s.handle.executeUpdate.mock.calls[0][1]).toEqual({ args: [{ actor: 'coordinator', reason: 'no longer needed' }], updateId: 'cancel' });
    await s.service.approvePayout('r1', 'coordinator');
    expect(s.handle.executeUpdate.mock.calls[1][1]).toEqual({ args: [{ actor: 'coordinator' }], updateId: 'approve-payout' });
  });

  it('a round whose workflow has ended, or was cancelled through Temporal mid-update, is 409 round_closed; a timeout 504', async () => {
    const s = setup();
    s.funding.find.mockResolvedValue(round());
    s.handle.executeUpdate.mockRejectedValueOnce(new WorkflowNotFoundError('workflow execution already completed', 'round-r1', undefined));
    await expect(s.service.approvePayout('r1', 'coordinator')).rejects.toMatchObject({ status: 409, code: 'round_closed' });
    s.handle.executeUpdate.mockRejectedValueOnce(new WorkflowUpdateFailedError('Workflow Update failed', new CancelledFailure('Workflow cancelled')));
    await expect(s.service.cancel('r1', 'coordinator', 'why')).rejects.toMatchObject({ status: 409, code: 'round_closed' });
    s.handle.executeUpdate.mockRejectedValueOnce(new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: new Error('deadline') }));
    await expect(s.service.approvePayout('r1', 'coordinator')).rejects.toMatchObject({ status: 504, code: 'workflow_timeout' });
  });

  it('an unknown round is 404 before any workflow call', async () => {
    const s = setup();
    s.funding.find.mockResolvedValue(null);
    await expect(s.service.cancel('r9', 'coordinator', 'why')).rejects.toMatchObject({ status: 404 });
    expect(s.workflow.getHandle).not.toHaveBeenCalled();
  });
});

describe('FundingService reads', () => {
  it('the public view of a round taking pledges is its live tally; a finished one its record; a legacy one its workflow query', async () => {
    const s = setup();
    s.funding.liveTally.mockResolvedValue({ total: 12_345n, backers: 7 });
    await expect(s.service.publicView(round({ total: 1n }))).resolves.toMatchObject({ total: '12345', backers: 7, source: 'live' });
    await expect(s.service.publicView(round({ status: 'funded', total: 100_000n, backers: 9 }))).resolves.toMatchObject({ total: '100000', backers: 9, source: 'record' });
    expect(s.funding.liveTally).toHaveBeenCalledTimes(1);
    s.handle.query.mockResolvedValueOnce({ status: 'open', total: '77', backers: 1 });
    await expect(s.service.publicView(round({ pledgeMode: 'workflow' }))).resolves.toMatchObject({ total: '77', source: 'live' });
    s.handle.query.mockRejectedValueOnce(new Error('gone'));
    await expect(s.service.publicView(round({ pledgeMode: 'workflow', total: 5n }))).resolves.toMatchObject({ total: '5', source: 'record' });
  });

  it('open rounds for a member carry the member’s own pledge (or null)', async () => {
    const s = setup();
    s.funding.openRounds.mockResolvedValue([round({ id: 'r1' }), round({ id: 'r2' })]);
    s.funding.pledgesOf.mockResolvedValue([Object.assign(new FundingPledgeEntity(), { roundId: 'r2', memberId: 'm1', amount: 700n })]);
    const rows = await s.service.openRoundsFor('m1');
    expect(rows.map((r) => [r.round.id, r.pledge])).toEqual([
      ['r1', null],
      ['r2', 700n],
    ]);
    expect(s.funding.pledgesOf).toHaveBeenCalledWith('m1');
  });
});
