import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, makeTelemetryFilterString, Runtime, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { MISSING_TEMPORAL_HINT, temporalTestServerExecutable, WORKFLOWS_ENTRY } from '@app/temporal';
import {
  BallotCount,
  DecisionAudience,
  decisionCertainSignal,
  DecisionOutcome,
  DecisionProblemInput,
  DecisionRequest,
  DecisionStatus,
  decisionWorkflowId,
  OpenBallotResult,
  PER_MEMBER_OUTCOME_LIMIT,
  QueueDecisionMailInput,
  QueueDecisionMailResult,
} from '@app/contracts';
import { evaluateTally } from '@app/domain';

/**
 * Keeps the SDK's INFO/WARN chatter (bundle stats, expected retries and nondeterminism reports)
 * out of the test output. The native runtime is process-wide and installed once.
 */
export function quietTemporalRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
  } catch {
    /* already installed by an earlier test file in this process */
  }
}
quietTemporalRuntime();

/**
 * The time-skipping test server from tools/bin (installed from PyPI by `npm ci`), or from
 * TEMPORAL_TEST_SERVER_PATH; the SDK's download only when neither exists.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const executable = temporalTestServerExecutable();
  try {
    return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  } catch (err) {
    if (executable.type === 'existing-path') throw err;
    throw new Error(`${MISSING_TEMPORAL_HINT} (download failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
}

/**
 * The usual frame of a workflow test file: one time-skipping server and one workflow bundle for
 * the file (beforeAll), torn down after it. Read the fields inside tests, not at module load.
 */
export function useTimeSkipping(): { env: TestWorkflowEnvironment; bundle: WorkflowBundleWithSourceMap } {
  const ctx = {} as { env: TestWorkflowEnvironment; bundle: WorkflowBundleWithSourceMap };
  beforeAll(async () => {
    ctx.env = await createTimeSkippingEnv();
    ctx.bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: new DefaultLogger('WARN') });
  });
  afterAll(async () => {
    await ctx.env?.teardown();
  });
  return ctx;
}

/** The typed failure an update was refused with (fails the test if it was not refused). */
export async function updateRefusal(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/**
 * Stubs of the decision activities for workflows that start a decision as a child and never
 * answer it (it opens with nobody asked... as far as these stubs know, and waits for its deadline).
 */
export const quietDecisionActivities = {
  openDecision: async () => undefined,
  recordDecisionAnswer: async () => undefined,
  closeDecision: async () => undefined,
  sendDecisionMail: async () => 'queued' as const,
  openDecisionBallot: async (req: DecisionRequest) => ({ asked: Math.max(1, req.voterIds.length) }),
  queueDecisionMail: async () => ({ queued: 0, closing: false }),
  closeDecisionBallot: async (): Promise<BallotCount> => ({ asked: 1, answered: 0, tally: {}, perMember: null }),
  reportDecisionProblem: async () => undefined,
};

interface BoxedDecision {
  req: DecisionRequest;
  voters: Map<string, { optionId: string | null; comment: string | null }>;
  status: DecisionStatus;
}

/**
 * PostgreSQL's part of member decisions, in memory, for workflow tests (activities are stubs
 * there): the decision activities of the current design, and `answer`, which does what
 * DecisionsRepository.answer and DecisionsService do for the API (one answer per member, final,
 * counted; refused once closing; the one `decisionCertain` signal when the outcome becomes
 * certain). `resolve` stands in for the audience query.
 */
export function ballotBox(client: () => Client, opts: { resolve?: (a: DecisionAudience) => string[] } = {}) {
  const decisions = new Map<string, BoxedDecision>();
  const requests: DecisionRequest[] = [];
  const mails: QueueDecisionMailInput[] = [];
  const outcomes: DecisionOutcome[] = [];
  const problems: DecisionProblemInput[] = [];
  const get = (id: string) => {
    const d = decisions.get(id);
    if (!d) throw new Error(`decision ${id} was not opened`);
    return d;
  };
  const count = (d: BoxedDecision): BallotCount => {
    const tally: Record<string, number> = {};
    let answered = 0;
    for (const v of d.voters.values()) {
      if (v.optionId === null) continue;
      answered += 1;
      tally[v.optionId] = (tally[v.optionId] ?? 0) + 1;
    }
    const perMember =
      d.voters.size <= PER_MEMBER_OUTCOME_LIMIT ? [...d.voters.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([memberId, v]) => ({ memberId, ...v })) : null;
    return { asked: d.voters.size, answered, tally, perMember };
  };
  const activities = {
    ...quietDecisionActivities,
    openDecisionBallot: async (req: DecisionRequest): Promise<OpenBallotResult> => {
      if (!decisions.has(req.decisionId)) {
        requests.push(req);
        const ids = [...req.voterIds, ...(req.audience ? (opts.resolve?.(req.audience) ?? []) : [])];
        decisions.set(req.decisionId, { req, voters: new Map(ids.map((m) => [m, { optionId: null, comment: null }])), status: 'open' });
      }
      return { asked: get(req.decisionId).voters.size };
    },
    queueDecisionMail: async (input: QueueDecisionMailInput): Promise<QueueDecisionMailResult> => {
      mails.push(input);
      const d = get(input.decisionId);
      const closing = d.status !== 'open';
      if (input.kind === 'reminder' && closing) return { queued: 0, closing };
      const queued = input.kind === 'reminder' ? [...d.voters.values()].filter((v) => v.optionId === null).length : d.voters.size;
      return { queued, closing };
    },
    closeDecisionBallot: async ({ decisionId }: { decisionId: string }): Promise<BallotCount> => {
      const d = decisions.get(decisionId);
      if (!d) return { asked: 0, answered: 0, tally: {}, perMember: [] };
      if (d.status === 'open') d.status = 'closing';
      return count(d);
    },
    closeDecision: async ({ decisionId, outcome }: { decisionId: string; outcome: DecisionOutcome }) => {
      const d = decisions.get(decisionId);
      if (d && (d.status === 'open' || d.status === 'closing')) {
        d.status = outcome.status;
        outcomes.push(outcome);
      }
    },
    reportDecisionProblem: async (input: DecisionProblemInput) => {
      problems.push(input);
    },
  };
  /** Waits until the decision has been opened (its activity ran), then answers for the member. */
  async function answer(decisionId: string, memberId: string, optionId: string, comment: string | null = null): Promise<'recorded' | 'repeat' | 'changed' | 'closed' | 'not-asked' | 'unknown-option'> {
    for (let i = 0; i < 200 && !decisions.has(decisionId); i++) await new Promise((r) => setTimeout(r, 25));
    const d = get(decisionId);
    const v = d.voters.get(memberId);
    if (!v) return 'not-asked';
    const optionIds = d.req.options.map((o) => o.id);
    if (!optionIds.includes(optionId)) return 'unknown-option';
    if (v.optionId !== null) return v.optionId === optionId ? 'repeat' : 'changed';
    if (d.status !== 'open') return 'closed';
    v.optionId = optionId;
    v.comment = comment;
    if (evaluateTally({ rule: d.req.rule, optionIds, asked: d.voters.size, tally: count(d).tally }, false) !== null) {
      d.status = 'closing';
      await client().workflow.getHandle(decisionWorkflowId(decisionId)).signal(decisionCertainSignal);
    }
    return 'recorded';
  }
  /** The request of the latest decision opened (whose id the test answers). */
  const latest = () => requests.at(-1)!;
  return { activities, answer, requests, latest, mails, outcomes, problems, decisions };
}

/**
 * With DPN_RECORD_HISTORIES=1, saves the histories of the given workflows as replay files
 * (test/replay/histories/<type>/<scenario>.json); otherwise does nothing. Run the test that
 * produced them with the variable set to refresh the files after a deliberate change.
 */
export async function recordHistoriesIfAsked(client: Client, runs: Array<{ workflowId: string; runId?: string; scenario: string }>): Promise<void> {
  if (!process.env.DPN_RECORD_HISTORIES) return;
  for (const { workflowId, runId, scenario } of runs) {
    // Without a run id: the latest run (of a workflow that continued as new, the last one).
    const handle = client.workflow.getHandle(workflowId, runId);
    const { type } = await handle.describe();
    const history = await handle.fetchHistory();
    const dir = join(__dirname, '..', 'replay', 'histories', type);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${scenario}.json`), JSON.stringify(JSON.parse(historyToJSON(history)), null, 2) + '\n');
  }
}

/**
 * The most activities a workflow run had scheduled and not yet closed at any point of its
 * history: what Temporal's limit of 2,000 pending activities applies to.
 */
export function maxPendingActivities(events: ReadonlyArray<object>): number {
  const open = new Set<string>();
  let max = 0;
  for (const e of events as Array<Record<string, unknown>>) {
    if (e.activityTaskScheduledEventAttributes) open.add(String(e.eventId));
    for (const k of ['activityTaskCompletedEventAttributes', 'activityTaskFailedEventAttributes', 'activityTaskTimedOutEventAttributes', 'activityTaskCanceledEventAttributes']) {
      const a = e[k] as { scheduledEventId?: unknown } | undefined;
      if (a) open.delete(String(a.scheduledEventId));
    }
    max = Math.max(max, open.size);
  }
  return max;
}

/**
 * A history's events without workflow-task bookkeeping (scheduled, started, completed, timed out,
 * failed). History-size checks count these: a loaded machine times workflow tasks out and retries
 * them, which adds events that are not the workflow's own steps.
 */
export function workflowStepEvents<E extends object>(events: ReadonlyArray<E>): E[] {
  return events.filter((e) => !Object.entries(e).some(([key, value]) => key.startsWith('workflowTask') && key.endsWith('EventAttributes') && value != null));
}
