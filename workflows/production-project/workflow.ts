/**
 * productionProjectWorkflow: one durable process per production project.
 *
 * Walks the phases rnd → prototyping → node-buildout → upgrade → completed. The coordinator's
 * `startPhase` update runs the current phase's plan as a `projectPhaseWorkflow` child (its round,
 * its jobs, its checks); `advancePhase` passes the gate once the phase is done (the coordinator's
 * word, or a members' vote). Advancing from a phase whose work did not run to the end records it
 * as skipped: a network that already has what a phase builds moves on without it. Every
 * transition is written to PostgreSQL by the `recordProjectTransition` activity (the read model),
 * keyed by (projectId, seq) so retries are harmless.
 *
 * Versioning: everything the phase work added is reached only through the `startPhase` update,
 * which histories from before it never contain, so they replay command for command. A members'
 * gate opens its vote among an audience resolved in the database (patch `2026-12-gate-audience`;
 * older runs passed the list of voters through the history).
 *
 * History: about 13 events per transition (the update or child event, its projection activity,
 * workflow tasks). A project lives for years, so at an idle point (no phase running, no vote
 * open, no request being applied) it continues as new when Temporal suggests it or its history
 * passes `continueAsNewAfterEvents` (default 10,000), carrying its state as plain JSON (patch
 * `2026-12-project-continue-as-new`).
 *
 * The state and its handlers are in `state.ts`, each step in `steps.ts`, the validators' rules in
 * `rules.ts`. Sandbox rules: imports only @temporalio/workflow, files inside workflows/ and pure
 * contracts; activities by `import type`. The function name is stored in histories: never rename it.
 */
import { allHandlersFinished, condition, isCancellation } from '@temporalio/workflow';
import { ProductionProjectInput, ProjectLiveState } from '../../libs/contracts/src/production-project';
import { ProjectState } from './state';
import { advance, applyGateVote, applyPhaseEnd, cancelled, cancelledThroughTemporal, continueAsNewWhenIdle, started, startPhase } from './steps';

export async function productionProjectWorkflow(input: ProductionProjectInput): Promise<ProjectLiveState> {
  const project = new ProjectState(input);
  project.registerHandlers();
  try {
    if (!input.resumed) await started(project);
    while (project.live.status === 'active') {
      await condition(() => project.somethingToDo());
      if (project.wantsToContinue()) {
        await continueAsNewWhenIdle(project); // back here only if a request came first, or an old run goes on in place
        continue;
      }
      if (project.cancel) await cancelled(project, project.cancel);
      else if (project.advance) await advance(project, project.advance);
      else if (project.start) await startPhase(project, project.start);
      else if (project.phaseEnd !== undefined && project.phaseScope !== undefined) {
        await applyPhaseEnd(project, project.phaseEnd);
        continue; // an internal event: a request accepted meanwhile is still waiting its turn
      } else if (project.voteOutcome !== undefined) {
        await applyGateVote(project, project.voteOutcome);
        continue;
      }
      project.requestApplied();
    }
    project.refuseRequestLeftOver();
  } catch (err) {
    if (isCancellation(err)) await cancelledThroughTemporal(project);
    throw err;
  }
  await condition(allHandlersFinished);
  return project.live;
}
