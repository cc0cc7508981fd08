import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { JobInput } from '@app/contracts';
import type { JobProjection } from '@app/db';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A job workflow's input as the job tests start it: ten brackets milled for a member, due in ten days of the server's time. */
export async function jobInput(env: TestWorkflowEnvironment, over: Partial<JobInput> = {}): Promise<JobInput> {
  return {
    jobId: randomUUID(),
    capability: 'cnc-milling',
    quantity: 10,
    unit: 'parts',
    specUrl: 'https://designs.example.org/bracket.step',
    dueAt: new Date((await env.currentTimeMs()) + 10 * DAY).toISOString(),
    recipient: { type: 'member', id: 'recipient', confirmerId: 'recipient' },
    demand: { type: 'project', id: 'p-1' },
    locationId: null,
    offerTimeoutMs: HOUR,
    maxDelayMs: 2 * DAY,
    allowPartial: true,
    confirmWithinMs: 2 * DAY,
    createdBy: 'coordinator',
    ...over,
  };
}

/** A job row's projection as the workflow's record activity writes it: offered, nothing else yet. */
export const jobProjection = (jobId: string, seq: number, over: Partial<JobProjection> = {}): JobProjection => ({
  jobId,
  seq,
  status: 'offered',
  nodeId: null,
  quantity: 4,
  dueAt: '2030-01-10T00:00:00.000Z',
  offers: [],
  offerCount: 0,
  runs: [],
  runsKept: 0,
  firstOfferedAt: null,
  acceptedAt: null,
  completedAt: null,
  ...over,
});
