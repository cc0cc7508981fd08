import { ApplicationFailure } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AppConfig } from '@app/config';
import { cancelJobUpdate, JobInput, JobRejection } from '@app/contracts';
import { FlowRun, FlowRunRepository, JobsRepository, MembersRepository } from '@app/db';
import { MailOutbox, MemberLinks } from '@app/mail';
import { silentLogger, strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { FLOW_JOB_CONFIRM_WITHIN_MS, FlowActivities } from './flow.activities';

const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment({}, { logger: silentLogger }).run(fn);

const flow: FlowRun = {
  flowId: 'f1',
  status: 'running',
  recipeName: 'shelf',
  quantity: 4,
  unit: 'shelves',
  dueAt: '2030-02-01T00:00:00.000Z',
  demand: { type: 'project', id: 'p1' },
  recipient: { type: 'pickup', pickupPointId: 'pp1', memberId: 'm1' },
  createdBy: 'coordinator',
  steps: [
    {
      key: 'cut',
      capability: 'cnc-milling',
      item: 'panel',
      unit: 'pcs',
      inputs: [],
      flowType: 'crate',
      specUrl: null,
      goodQuantity: 8,
      startQuantity: 9,
      plannedStartAt: '2030-01-01T00:00:00.000Z',
      plannedDoneAt: '2030-01-05T00:00:00.000Z',
      status: 'waiting',
      jobId: null,
      nodeId: null,
      lateNoticed: false,
    },
  ],
};

function setup() {
  const flows = strictMock<FlowRunRepository>();
  const jobs = strictMock<JobsRepository>();
  const members = strictMock<MembersRepository>();
  const outbox = strictMock<MailOutbox>();
  const links = strictMock<MemberLinks>();
  const t = temporalClientMock();
  const config = { publicUrl: 'https://dpn.example', coordinatorEmail: 'c@example.org', temporal: { taskQueue: 'dpn' } } as unknown as AppConfig;
  return { flows, jobs, outbox, t, activities: new FlowActivities(flows, jobs, members, outbox, links, t.client as never, config) };
}

describe('FlowActivities', () => {
  it("starts a step's job: the id stored on the step first, then the row, then jobWorkflow; a retry after the start counts as started", async () => {
    const s = setup();
    s.flows.load.mockResolvedValue(flow);
    s.flows.stepJobStarting.mockResolvedValue();
    s.jobs.create.mockResolvedValue();
    s.t.workflow.start.mockResolvedValueOnce({}).mockRejectedValueOnce(new WorkflowExecutionAlreadyStartedError('started', 'job-j1', 'jobWorkflow'));
    const input = { flowId: 'f1', part: 'step' as const, key: 'cut', jobId: 'j1', quantity: 9, preferNodeId: 'n1' };
    expect(await inActivity(() => s.activities.startFlowJob(input))).toBe('started');
    expect(await inActivity(() => s.activities.startFlowJob(input))).toBe('already-started');
    expect(s.flows.stepJobStarting).toHaveBeenCalledWith('f1', 'cut', 'j1');
    expect(s.jobs.create).toHaveBeenCalledWith(expect.objectContaining({ id: 'j1', capability: 'cnc-milling', quantity: 9, taskKey: 'cut', recipient: { type: 'member', id: 'm1' } }));
    const [type, options] = s.t.workflow.start.mock.calls[0] as [string, { workflowId: string; taskQueue: string; args: [JobInput] }];
    expect(type).toBe('jobWorkflow');
    expect(options).toMatchObject({ workflowId: 'job-j1', taskQueue: 'dpn' });
    // A flow job: never split, its hand-off answers it (within the long window), the maker first for a rework.
    expect(options.args[0]).toMatchObject({ allowPartial: false, confirmWithinMs: FLOW_JOB_CONFIRM_WITHIN_MS, dueAt: '2030-01-05T00:00:00.000Z', flow: { flowId: 'f1', part: 'step', key: 'cut', preferNodeId: 'n1' } });
    expect(options.args[0].transport).toBeUndefined();
  });

  it('cancels a job of a cancelled flow; a job that has ended already is left as it ended; other failures are retried', async () => {
    const s = setup();
    s.t.handle.executeUpdate
      .mockResolvedValueOnce({})
      .mockRejectedValueOnce(new WorkflowUpdateFailedError('refused', ApplicationFailure.nonRetryable('the job is confirmed', JobRejection.Closed)))
      .mockRejectedValueOnce(new WorkflowNotFoundError('gone', 'job-j3', undefined))
      .mockRejectedValueOnce(new Error('14 UNAVAILABLE: connection refused'));
    const cancel = (jobId: string) => inActivity(() => s.activities.cancelFlowJob({ jobId, actor: 'coordinator', reason: 'flow cancelled' }));
    expect(await cancel('j1')).toBe('cancelled');
    expect(s.t.handle.executeUpdate).toHaveBeenCalledWith(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'flow cancelled' }], updateId: 'cancel' });
    expect(await cancel('j2')).toBe('ended');
    expect(await cancel('j3')).toBe('ended');
    await expect(cancel('j4')).rejects.toThrow('UNAVAILABLE');
  });

  it('a late step is marked and the coordinator told (keyed once); a step made meanwhile is not', async () => {
    const s = setup();
    s.flows.noticeLate.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    const outbox = s.outbox;
    outbox.enqueue.mockResolvedValue('queued');
    const input = { flowId: 'f1', stepKey: 'cut', plannedDoneAt: '2030-01-05T00:00:00.000Z', at: '2030-01-05T00:00:01.000Z' };
    expect(await inActivity(() => s.activities.noticeLateStep(input))).toBe(true);
    expect(s.flows.noticeLate).toHaveBeenCalledWith('f1', 'cut', new Date(input.at));
    expect(outbox.enqueue).toHaveBeenCalledWith(expect.objectContaining({ key: 'flow:f1:late:cut', to: 'c@example.org' }));
    expect(await inActivity(() => s.activities.noticeLateStep(input))).toBe(false);
    expect(outbox.enqueue).toHaveBeenCalledTimes(1);
  });
});
