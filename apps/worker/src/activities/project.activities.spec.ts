import { MockActivityEnvironment } from '@temporalio/testing';
import { loadConfig } from '@app/config';
import type { RecordProjectTransitionInput } from '@app/contracts';
import { DecisionsRepository, ProjectEntity, ProjectsRepository } from '@app/db';
import { MailOutbox } from '@app/mail';
import { silentLogger, strictMock } from '../../../../test/support/strict-mock';
import { ProjectActivities } from './project.activities';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', COORDINATOR_EMAIL: 'coordinator@dpn.test' });
const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment({}, { logger: silentLogger }).run(fn);

function setup() {
  const projects = strictMock<ProjectsRepository>();
  const decisions = strictMock<DecisionsRepository>();
  const outbox = strictMock<MailOutbox>();
  return { projects, decisions, outbox, activities: new ProjectActivities(projects, decisions, outbox, config) };
}

describe('ProjectActivities', () => {
  it('hands each transition to the repository as it is (idempotent there on project and seq), a duplicate included', async () => {
    const s = setup();
    const input = {
      projectId: 'p1',
      name: 'Rack',
      workflowId: 'project-p1',
      transition: { seq: 2, kind: 'advance', fromPhase: 'rnd', toPhase: 'prototyping', status: 'active', actor: 'coordinator', note: null, at: '2030-01-01T00:00:00Z' },
    } as unknown as RecordProjectTransitionInput;
    s.projects.applyTransition.mockResolvedValueOnce({ applied: true }).mockResolvedValueOnce({ applied: false });
    await inActivity(() => s.activities.recordProjectTransition(input));
    await inActivity(() => s.activities.recordProjectTransition(input));
    expect(s.projects.applyTransition.mock.calls).toEqual([[input], [input]]);
  });

  it('reports a step that could not be stored to the coordinator once per step, naming the project, with NUL bytes made visible', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValueOnce(Object.assign(new ProjectEntity(), { id: 'p1', name: 'Rack' }));
    s.outbox.enqueue.mockResolvedValue('queued');
    await inActivity(() => s.activities.reportProjectProblem({ projectId: 'p1', seq: 7, message: 'invalid byte sequence \u0000' }));
    const mail = s.outbox.enqueue.mock.calls[0][0];
    expect(mail).toMatchObject({ key: 'project:p1:problem:7', to: 'coordinator@dpn.test', subject: 'Project problem: Rack' });
    expect(mail.text).toContain('"Rack" (p1)');
    expect(mail.text).toContain('sequence \\0');
    // A project row that is gone is named by its id.
    s.projects.findById.mockResolvedValueOnce(null);
    await inActivity(() => s.activities.reportProjectProblem({ projectId: 'p2', seq: 1, message: 'x' }));
    expect(s.outbox.enqueue.mock.calls[1][0]).toMatchObject({ key: 'project:p2:problem:1', subject: 'Project problem: p2' });
  });

  it('resolves gate voters and counts an audience through the repositories', async () => {
    const s = setup();
    s.projects.gateVoters.mockResolvedValue(['m1', 'm2']);
    await expect(s.activities.resolveGateVoters({ projectId: 'p1', voters: 'owners', assetId: 'a1' })).resolves.toEqual(['m1', 'm2']);
    expect(s.projects.gateVoters).toHaveBeenCalledWith('p1', 'owners', 'a1');
    s.decisions.countAudience.mockResolvedValue(42);
    const audience = { type: 'project-funders', projectId: 'p1' } as never;
    await expect(s.activities.countGateVoters(audience)).resolves.toBe(42);
    expect(s.decisions.countAudience).toHaveBeenCalledWith(audience);
  });
});
