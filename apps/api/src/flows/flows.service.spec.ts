import { WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig } from '@app/config';
import { FLOW_WORKFLOW_TYPE, HandoffView } from '@app/contracts';
import { FlowPlanner, FlowsRepository, HandoffRefusal, HandoffsRepository, LotsRepository, MemberEntity, MembersRepository, NodesRepository, PickupPointsRepository, RecipesRepository } from '@app/db';
import { strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import type { CreateFlowDto } from './flows.dto';
import { FlowsService } from './flows.service';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', TEMPORAL_TASK_QUEUE: 'unit-queue' });
const recipe = {
  name: 'Shelf',
  steps: [
    { key: 'cut', capability: 'cnc-milling', produces: { item: 'board', unit: 'pcs' }, inputs: [], leadTimeHours: 24 },
    { key: 'assemble', capability: 'assembly', produces: { item: 'shelf', unit: 'shelves' }, inputs: [{ step: 'cut', perUnit: 4, unit: 'pcs' }], leadTimeHours: 8 },
  ],
};
const dto = (over: Partial<CreateFlowDto> = {}) =>
  ({ recipe, quantity: 10, dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(), recipient: { type: 'member', id: 'm1' }, demand: { type: 'project', id: 'p1' }, ...over }) as CreateFlowDto;
const handoff = { id: 'h1', status: 'accepted' } as HandoffView;

function setup() {
  const flows = strictMock<FlowsRepository>();
  const recipes = strictMock<RecipesRepository>();
  const handoffs = strictMock<HandoffsRepository>();
  const lots = strictMock<LotsRepository>();
  const members = strictMock<MembersRepository>();
  const nodes = strictMock<NodesRepository>();
  const pickups = strictMock<PickupPointsRepository>();
  const t = temporalClientMock();
  // The real planner over the mocked repositories: creation is checked as the API runs it.
  const service = new FlowsService(new FlowPlanner(flows, recipes, members, nodes, pickups), flows, handoffs, lots, t.client as never, config);
  return { service, flows, handoffs, members, ...t };
}

/** The checks before writing pass: a live project, an active member, a carrier for crates, no past jobs. */
function passChecks(s: ReturnType<typeof setup>) {
  s.flows.demand.mockResolvedValue({ status: 'active' });
  s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', status: 'active' }));
  s.flows.carriedFlowTypes.mockResolvedValue(new Set(['crate']));
  s.flows.leadTimeSamples.mockResolvedValue({ stepSamplesMs: {}, transportSamplesMs: {} });
}

describe('FlowsService.create', () => {
  it('writes nothing while Temporal is down (503)', async () => {
    const s = setup();
    passChecks(s);
    s.workflowService.getSystemInfo.mockRejectedValue(new Error('14 UNAVAILABLE'));
    await expect(s.service.create(dto(), 'coordinator', 'k1')).rejects.toMatchObject({ status: 503, code: 'temporal_unavailable' });
    expect(s.flows.create).not.toHaveBeenCalled();
  });

  it('writes the flow with its plan, then starts its workflow once (USE_EXISTING) on the task queue, with only the flow id', async () => {
    const s = setup();
    passChecks(s);
    s.flows.create.mockResolvedValue({ flow: { id: 'f1' } as never, workflowId: 'flow-f1', replayed: false });
    s.workflow.start.mockResolvedValue({});
    await s.service.create(dto(), 'coordinator', 'k1');
    const written = s.flows.create.mock.calls[0][0];
    expect(written).toMatchObject({ recipeId: null, unit: 'shelves', quantity: 10, idempotencyKey: 'k1', createdBy: 'coordinator', recipientLocationId: null });
    expect(written.plan.map((p) => [p.key, p.good])).toEqual([
      ['cut', 40],
      ['assemble', 10],
    ]);
    expect(s.workflow.start).toHaveBeenCalledWith(FLOW_WORKFLOW_TYPE, { taskQueue: 'unit-queue', workflowId: 'flow-f1', args: [{ flowId: 'f1' }], workflowIdConflictPolicy: 'USE_EXISTING' });
  });

  it('refuses an invalid recipe (422 with its problems) and a flow type nobody carries (422 no_carrier) before writing', async () => {
    const s = setup();
    passChecks(s);
    const loop = { ...recipe, steps: [{ ...recipe.steps[0], inputs: [{ step: 'assemble', perUnit: 1, unit: 'shelves' }] }, recipe.steps[1]] };
    await expect(s.service.create(dto({ recipe: loop }), 'c', undefined)).rejects.toMatchObject({ status: 422, code: 'invalid_recipe' });
    s.flows.carriedFlowTypes.mockResolvedValue(new Set());
    await expect(s.service.create(dto(), 'c', undefined)).rejects.toMatchObject({ status: 422, code: 'no_carrier', extensions: { flowTypes: ['crate'] } });
    expect(s.flows.create).not.toHaveBeenCalled();
  });
});

describe('FlowsService.answer', () => {
  const by = { kind: 'node' as const, nodeId: 'n1' };

  it('tells the flow after the answer is recorded, once: a repeat after that does not signal again', async () => {
    const s = setup();
    s.handoffs.answer.mockResolvedValueOnce({ handoff, workflowId: 'flow-f1', repeated: false, signalPending: true });
    s.handle.signal.mockResolvedValue(undefined);
    s.handoffs.markSignalled.mockResolvedValue(undefined);
    expect(await s.service.answer('h1', by, { accepted: true }, 'node:n1')).toBe(handoff);
    expect(s.workflow.getHandle).toHaveBeenCalledWith('flow-f1');
    expect(s.handle.signal).toHaveBeenCalledWith(expect.objectContaining({ name: 'handoffAnswered' }), { handoffId: 'h1' });
    expect(s.handoffs.markSignalled).toHaveBeenCalledWith('h1');
    s.handoffs.answer.mockResolvedValueOnce({ handoff, workflowId: 'flow-f1', repeated: true, signalPending: false });
    await s.service.answer('h1', by, { accepted: true }, 'node:n1');
    expect(s.handle.signal).toHaveBeenCalledTimes(1);
  });

  it('a signal that fails is a 503 with the answer kept (not marked told); the same answer again tells the flow', async () => {
    const s = setup();
    s.handoffs.answer.mockResolvedValueOnce({ handoff, workflowId: 'flow-f1', repeated: false, signalPending: true });
    s.handle.signal.mockRejectedValueOnce(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TransportError' }));
    await expect(s.service.answer('h1', by, { accepted: true }, 'node:n1')).rejects.toMatchObject({ status: 503, code: 'temporal_unavailable' });
    expect(s.handoffs.markSignalled).not.toHaveBeenCalled();
    s.handoffs.answer.mockResolvedValueOnce({ handoff, workflowId: 'flow-f1', repeated: true, signalPending: true });
    s.handle.signal.mockResolvedValueOnce(undefined);
    s.handoffs.markSignalled.mockResolvedValue(undefined);
    await s.service.answer('h1', by, { accepted: true }, 'node:n1');
    expect(s.handoffs.markSignalled).toHaveBeenCalledWith('h1');
  });

  it('a flow that has ended needs no telling', async () => {
    const s = setup();
    s.handoffs.answer.mockResolvedValueOnce({ handoff, workflowId: 'flow-f1', repeated: false, signalPending: true });
    s.handle.signal.mockRejectedValueOnce(new WorkflowNotFoundError('gone', 'flow-f1', undefined));
    s.handoffs.markSignalled.mockResolvedValue(undefined);
    await s.service.answer('h1', by, { accepted: true }, 'node:n1');
    expect(s.handoffs.markSignalled).toHaveBeenCalledWith('h1');
  });

  it('maps refusals to their statuses: 404, 403, 422, 409', async () => {
    const s = setup();
    for (const [code, status] of [
      ['handoff_not_found', 404],
      ['not_receiver', 403],
      ['more_than_sent', 422],
      ['handoff_answered', 409],
    ] as const) {
      s.handoffs.answer.mockRejectedValueOnce(new HandoffRefusal(code, 'no'));
      await expect(s.service.answer('h1', by, { accepted: true }, 'x')).rejects.toMatchObject({ status, code: code === 'handoff_not_found' ? 'not_found' : code });
    }
    await expect(s.service.answer('h1', by, { accepted: false, quantityReceived: 3, reason: 'r' }, 'x')).rejects.toMatchObject({ status: 400 });
    expect(s.handle.signal).not.toHaveBeenCalled();
  });
});
