/**
 * The project phases' read model against a real PostgreSQL (ProjectPhasesRepository), with the
 * round reads the phase work uses (FundingRepository): plans, forward-only projections, outputs
 * once, open decisions about the project, a restarted phase's funded round.
 */
import { randomUUID } from 'node:crypto';
import type { PhasePlan, PhaseView, RecordPhaseInput } from '@app/contracts';
import { FundingRepository, LedgerService, ProjectPhasesRepository, ProjectsRepository } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const phases = () => new ProjectPhasesRepository(t.ds);
const funding = () => new FundingRepository(t.ds, new LedgerService(t.ds));
const plan = (summary: string): PhasePlan => ({ phase: 'rnd', summary, tasks: [], budget: null, gate: null, nodes: [] });
const record = (projectId: string, seq: number, status: PhaseView['status'], events: RecordPhaseInput['events']): RecordPhaseInput => ({
  projectId,
  seq,
  workflowId: `project-${projectId}-rnd-1`,
  view: { projectId, phase: 'rnd', attempt: 1, status, roundId: null, roundStatus: null, tasks: [], nodeChecks: [], outputs: [], upgrades: [], reason: null },
  events,
});

let projectId: string;
beforeAll(async () => {
  projectId = randomUUID();
  await new ProjectsRepository(t.ds).create({ id: projectId, name: 'Rack', description: null, workflowId: `project-${projectId}`, createdBy: 't', idempotencyKey: null, requestHash: null, gate: { mode: 'coordinator' } });
});

describe('ProjectPhasesRepository', () => {
  it('stores a plan and raises its version on every change', async () => {
    await phases().putPlan(projectId, 'rnd', plan('first'));
    await phases().putPlan(projectId, 'rnd', plan('second'));
    expect(await phases().plan(projectId, 'rnd')).toMatchObject({ version: 2, plan: { summary: 'second' } });
    expect(await phases().plan(projectId, 'prototyping')).toBeNull();
    expect((await phases().plans(projectId)).map((p) => p.phase)).toEqual(['rnd']);
  });

  it('projects an attempt only forward and writes each timeline event once', async () => {
    const at = (d: number) => new Date(Date.UTC(2030, 0, d)).toISOString();
    await phases().record(record(projectId, 1, 'funding', [{ seq: 1, kind: 'phase-started', note: 'started', at: at(1) }]));
    await phases().record(record(projectId, 3, 'working', [{ seq: 2, kind: 'round-closed', note: 'funded', at: at(2) }]));
    // A retry of the first write arrives late: the row stays at seq 3, the event is not doubled.
    await phases().record(record(projectId, 1, 'funding', [{ seq: 1, kind: 'phase-started', note: 'started', at: at(1) }]));
    expect(await phases().latestAttempt(projectId, 'rnd')).toMatchObject({ attempt: 1, status: 'working', recordSeq: 3 });
    expect((await phases().events(projectId)).map((e) => [e.seq, e.kind])).toEqual([
      [1, 'phase-started'],
      [2, 'round-closed'],
    ]);
  });

  it('attaches each delivered document once per (job, url), its title cut to the column', async () => {
    const jobId = randomUUID();
    const output = { taskKey: 'design', jobId, kind: 'design' as const, title: 'x'.repeat(250), url: 'https://docs.example/d.pdf', contentHash: null, licence: 'CC-BY-4.0' as never };
    await phases().recordOutputs({ projectId, phase: 'rnd', outputs: [output] });
    await phases().recordOutputs({ projectId, phase: 'rnd', outputs: [output] });
    const outputs = await phases().outputs(projectId);
    expect(outputs).toHaveLength(1);
    expect(outputs[0].title).toHaveLength(200);
  });

  it('finds the open decisions about the project’s deliveries with the members who have not answered', async () => {
    const jobId = randomUUID();
    await t.db.query(
      `INSERT INTO jobs (id, workflow_id, capability, quantity, unit, spec_url, due_at, recipient_type, recipient_id, demand_type, demand_id, status, created_by)
       VALUES ($1::uuid, 'job-' || $1::text, 'cad', 1, 'x', 'https://s', now(), 'member', $2, 'project', $3, 'delivered', 't')`,
      [jobId, randomUUID(), projectId],
    );
    const [a, b] = await t.db.query<{ id: string }>(`INSERT INTO members (name, email) VALUES ('a', $1), ('b', $2) RETURNING id`, [`a-${randomUUID()}@x.example`, `b-${randomUUID()}@x.example`]);
    const decisionId = randomUUID();
    await t.db.query(
      `INSERT INTO decisions (id, workflow_id, kind, subject_type, subject_id, title, question, context, options, rule, deadline, status, requested_by)
       VALUES ($1::uuid, 'decision-' || $1::text, 'delivery', 'delivery', $2, 'Delivery', 'ok?', '{}', '[]', '{"kind":"each"}', '2030-01-01T00:00:00Z', 'open', 't')`,
      [decisionId, jobId],
    );
    await t.db.query(`INSERT INTO decision_voters (decision_id, member_id, answered_at) VALUES ($1, $2, now()), ($1, $3, NULL)`, [decisionId, a.id, b.id]);
    expect(await phases().openDecisions(projectId)).toEqual([{ id: decisionId, subjectType: 'delivery', subjectId: jobId, deadline: new Date('2030-01-01T00:00:00Z'), pending: [b.id] }]);
  });
});

describe('FundingRepository: the rounds of phase work', () => {
  const round = async (phase: string, over: Record<string, unknown> = {}) => {
    const id = randomUUID();
    await funding().createRound({ id, projectId, assetId: null, phase, goal: '1000', currency: 'EUR', minPledge: '10', deadline: '2030-01-01T00:00:00Z', closeWhenGoalMet: true, payoutApproval: 'coordinator', operator: null, documents: [], createdBy: 't' });
    if (Object.keys(over).length) await t.db.query(`UPDATE funding_rounds SET status = $2 WHERE id = $1`, [id, over.status]);
    return id;
  };

  it('a restart finds the newest funded round of the phase; unopened rounds of a cancelled phase are closed', async () => {
    await round('prototyping', { status: 'funded' });
    const newest = await round('prototyping', { status: 'funded' });
    await round('prototyping', { status: 'failed' });
    expect(await funding().fundedRoundOf(projectId, 'prototyping')).toBe(newest);
    expect(await funding().fundedRoundOf(projectId, 'upgrade')).toBeNull();
    const unopened = await round('upgrade');
    await funding().discardUnopened([unopened, newest]);
    const rounds = await funding().ofProject(projectId);
    expect(rounds.find((r) => r.id === unopened)).toMatchObject({ status: 'cancelled', reason: 'cancelled with its phase before it opened' });
    expect(rounds.find((r) => r.id === newest)?.status).toBe('funded');
    expect(rounds[0].id).toBe(unopened); // newest first
  });
});
