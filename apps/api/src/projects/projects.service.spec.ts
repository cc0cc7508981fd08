import { Logger } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { QueryFailedError } from 'typeorm';
import { loadConfig } from '@app/config';
import { AssetsRepository, ProjectEntity, ProjectPhasePlanEntity, ProjectPhasesRepository, ProjectsRepository } from '@app/db';
import { strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { IdempotencyService } from '../common/idempotency.service';
import { CreateProjectDto, ProjectGateDto } from './dto/project.dto';
import { ProjectsService } from './projects.service';

// Log lines of the code under test are not what these tests check.
beforeAll(() => Logger.overrideLogger(false));

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', TEMPORAL_TASK_QUEUE: 'unit-queue' });
const project = (over: Partial<ProjectEntity> = {}) =>
  Object.assign(new ProjectEntity(), { id: 'p1', name: 'Rack', workflowId: 'project-p1', createdBy: 'coordinator', gate: { mode: 'coordinator' }, phase: 'rnd', status: 'active', lastSeq: 3, requestHash: null, ...over });
const dto = (over: Partial<CreateProjectDto> = {}) => Object.assign(new CreateProjectDto(), { name: 'Rack', ...over });
const uniqueViolation = () => new QueryFailedError('INSERT', [], Object.assign(new Error('dup'), { code: '23505' }));

function setup() {
  const projects = strictMock<ProjectsRepository>();
  const phases = strictMock<ProjectPhasesRepository>();
  const assets = strictMock<AssetsRepository>();
  // The idempotency store is IdempotencyService's own test; here it runs the request.
  const keys = strictMock<IdempotencyService>({ once: jest.fn((_k, _s, _r, fn: () => Promise<unknown>) => fn()) as IdempotencyService['once'] });
  const t = temporalClientMock();
  return { projects, phases, assets, keys, ...t, service: new ProjectsService(projects, phases, assets, t.client as never, config, keys) };
}

describe('ProjectsService.create', () => {
  it('writes the row, then starts the workflow named after it (running it twice is harmless)', async () => {
    const s = setup();
    s.projects.create.mockImplementation(async (p) => project({ ...p, lastSeq: 0 }));
    s.workflow.start.mockResolvedValue({});
    const { project: created, replayed } = await s.service.create(dto(), 'coordinator');
    expect(replayed).toBe(false);
    expect(s.projects.create.mock.calls[0][0]).toMatchObject({ name: 'Rack', workflowId: `project-${created.id}`, idempotencyKey: null, requestHash: null, gate: { mode: 'coordinator' } });
    expect(s.workflow.start.mock.calls[0][1]).toMatchObject({ workflowId: `project-${created.id}`, taskQueue: 'unit-queue', workflowIdConflictPolicy: 'USE_EXISTING' });
  });

  it('a members’ gate must name a registered asset (422 on gate.assetId), before anything is written', async () => {
    const s = setup();
    s.assets.exists.mockResolvedValue(false);
    const gate = Object.assign(new ProjectGateDto(), { mode: 'members', voters: 'owners', assetId: 'a9' });
    await expect(s.service.create(dto({ gate }), 'coordinator')).rejects.toMatchObject({ status: 422, code: 'unknown_asset', errors: [{ field: 'gate.assetId' }] });
  });

  it('with Temporal unreachable it answers 503 and writes nothing', async () => {
    const s = setup();
    s.workflowService.getSystemInfo.mockRejectedValue(new Error('14 UNAVAILABLE'));
    await expect(s.service.create(dto(), 'coordinator')).rejects.toMatchObject({ status: 503, code: 'temporal_unavailable' });
  });

  it('a start that fails removes the row again (nothing half-created)', async () => {
    const s = setup();
    s.projects.create.mockImplementation(async (p) => project({ ...p, lastSeq: 0 }));
    s.projects.delete.mockResolvedValue();
    s.workflow.start.mockRejectedValue(new Error('boom'));
    await expect(s.service.create(dto(), 'coordinator')).rejects.toThrow('boom');
    expect(s.projects.delete).toHaveBeenCalledWith(s.projects.create.mock.calls[0][0].id);
  });

  it('with an Idempotency-Key: a retry is the first project (restarting a workflow that never started); another body is a 409', async () => {
    const s = setup();
    s.projects.create.mockImplementation(async (p) => project({ ...p, lastSeq: 0 }));
    s.workflow.start.mockResolvedValue({});
    s.projects.findByIdempotencyKey.mockResolvedValueOnce(null);
    const first = await s.service.create(dto(), 'coordinator', 'key-1');
    const stored = project({ ...s.projects.create.mock.calls[0][0], lastSeq: 0 });
    s.projects.findByIdempotencyKey.mockResolvedValue(stored);
    s.workflow.start.mockRejectedValueOnce(new WorkflowExecutionAlreadyStartedError('started', stored.workflowId, 'productionProjectWorkflow'));
    await expect(s.service.create(dto(), 'coordinator', 'key-1')).resolves.toMatchObject({ replayed: true, project: { id: first.project.id } });
    await expect(s.service.create(dto({ name: 'Other' }), 'coordinator', 'key-1')).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
  });

  it('a concurrent request that won the key’s race is answered as its replay', async () => {
    const s = setup();
    const winner = project({ requestHash: null, lastSeq: 2 });
    s.projects.findByIdempotencyKey.mockResolvedValueOnce(null);
    s.projects.create.mockImplementation(async (p) => {
      winner.requestHash = p.requestHash;
      throw uniqueViolation();
    });
    s.projects.findByIdempotencyKey.mockResolvedValueOnce(winner);
    await expect(s.service.create(dto(), 'coordinator', 'key-2')).resolves.toEqual({ project: winner, replayed: true });
  });
});

describe('ProjectsService: advance, cancel, get', () => {
  it('an ended project is refused before the workflow is asked', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project({ status: 'cancelled' }));
    await expect(s.service.advance('p1', {}, 'coordinator')).rejects.toMatchObject({ status: 409, code: 'project_not_active' });
    await expect(s.service.cancel('p1', { reason: 'x' }, 'coordinator')).rejects.toMatchObject({ status: 409, code: 'project_not_active' });
  });

  it('the advance carries the gate of the current phase’s plan when it names one, and the key as its update id', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project({ phase: 'prototyping' }));
    const gate = { mode: 'members', voters: 'funders', rule: { kind: 'majority' }, votingHours: 24 };
    s.phases.plan.mockResolvedValueOnce(Object.assign(new ProjectPhasePlanEntity(), { plan: { gate } }));
    s.handle.executeUpdate.mockResolvedValue({ phase: 'node-buildout' });
    await s.service.advance('p1', { fromPhase: 'prototyping', note: 'ok' }, 'coordinator', 'k7');
    expect(s.phases.plan).toHaveBeenCalledWith('p1', 'prototyping');
    expect(s.handle.executeUpdate.mock.calls[0][1]).toEqual({ args: [{ actor: 'coordinator', fromPhase: 'prototyping', note: 'ok', gate }], updateId: 'advance:k7' });
    s.phases.plan.mockResolvedValueOnce(null);
    await s.service.advance('p1', {}, 'coordinator');
    expect(s.handle.executeUpdate.mock.calls[1][1].args[0]).not.toHaveProperty('gate');
  });

  it('reads the timeline from PostgreSQL and the live state from the workflow, or says why it has none', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.projects.events.mockResolvedValue([]);
    s.handle.query.mockRejectedValueOnce(new WorkflowNotFoundError('gone', 'project-p1', undefined));
    await expect(s.service.get('p1')).resolves.toMatchObject({ live: null, liveError: 'workflow_not_found' });
    s.handle.query.mockRejectedValueOnce(new Error('14 UNAVAILABLE'));
    await expect(s.service.get('p1')).resolves.toMatchObject({ live: null, liveError: 'temporal_unavailable' });
    s.projects.findById.mockResolvedValue(null);
    await expect(s.service.get('p9')).rejects.toMatchObject({ status: 404 });
  });
});
