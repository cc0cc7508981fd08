/**
 * projectPhaseWorkflow: one phase of a production project doing its work, as a child of the
 * project's workflow (one run per attempt; the coordinator may restart a failed phase).
 *
 *  1. Funding: with a budget, it opens a funding round (a `fundingRoundWorkflow` child) and waits
 *     for its end. Not funded: the phase fails and nothing is dispatched.
 *  2. Work: a job per task (`jobWorkflow` children), all at once; each ends confirmed by its
 *     recipient or not. Documents delivered with a design or a test report become the project's
 *     outputs; a confirmed upgrade raises the node's automation level and capacity.
 *  3. Checks (node-buildout): every node the phase adds must answer a signed ping (1B, data
 *     transport), retried with backoff while the node is being wired.
 *  4. Done when every task was confirmed and every node verified; otherwise failed with reasons.
 *     The gate that follows is the project's (coordinator or members' vote).
 *
 * Cancelled (the project was cancelled): its children are cancelled with it and compensate on
 * their own (a round gives every hold back, an offered or accepted job is withdrawn from its node
 * with `job.cancelled`); this workflow waits for them, then records the cancellation.
 *
 * The state and its query are in `state.ts`, each step in `steps.ts`. Sandbox rules as everywhere
 * in workflows/. The function name is stored in histories.
 */
import { isCancellation } from '@temporalio/workflow';
import { PhaseInput, PhaseView } from '../../libs/contracts/src/project-phase';
import { PhaseState } from './state';
import { cancelledWithProject, conclude, fund, notFunded, record, started, startWork } from './steps';

export async function projectPhaseWorkflow(input: PhaseInput): Promise<PhaseView> {
  const phase = new PhaseState(input);
  phase.registerHandlers();
  try {
    await started(phase);
    if (phase.view.status === 'funding' && !(await fund(phase))) return await notFunded(phase);
    phase.view.status = 'working';
    await record(phase);
    phase.work = startWork(phase);
    await Promise.all(phase.work);
    return await conclude(phase);
  } catch (err) {
    if (isCancellation(err)) await cancelledWithProject(phase);
    throw err;
  }
}
