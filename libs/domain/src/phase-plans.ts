/**
 * Rules of a phase plan that a field validator cannot see: what each phase may deliver, which
 * tasks need a licence, which raise a node, and which lists belong to which phase. Pure; used by
 * the API before a plan is stored, unit-tested without a database.
 */
import { PROJECT_PHASES, ProjectPhase, WorkingPhase } from '../../contracts/src/production-project';
import { automationRank, PHASE_TASK_OUTPUTS, PhasePlan } from '../../contracts/src/project-phase';

export interface PlanProblem {
  field: string;
  code: string;
  message: string;
}

/** Every problem of a plan (empty: the plan is sound). */
export function checkPhasePlan(plan: PhasePlan): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const add = (field: string, code: string, message: string) => problems.push({ field, code, message });
  const allowed = PHASE_TASK_OUTPUTS[plan.phase];
  const keys = new Set<string>();
  if (plan.tasks.length === 0 && !plan.budget && plan.nodes.length === 0) {
    add('tasks', 'empty_plan', 'a plan needs at least one task, a budget or a node to add; skip the phase instead if the network already has what it builds');
  }
  plan.tasks.forEach((t, i) => {
    const f = `tasks[${i}]`;
    if (keys.has(t.key)) add(`${f}.key`, 'duplicate_task_key', `task key "${t.key}" is used twice`);
    keys.add(t.key);
    if (!allowed.includes(t.output)) {
      add(`${f}.output`, 'output_not_in_phase', `the ${plan.phase} phase delivers ${allowed.join(' or ')}, not ${t.output}`);
    }
    const documents = t.output === 'design' || t.output === 'test-report';
    if (documents && !t.licence) add(`${f}.licence`, 'licence_required', `a ${t.output} is published under a licence`);
    if (!documents && t.licence) add(`${f}.licence`, 'licence_not_applicable', `only designs and test reports carry a licence`);
    if (t.output === 'upgrade') {
      if (!t.upgrade) add(`${f}.upgrade`, 'upgrade_required', 'an upgrade task names the node, its new automation level and capacity');
      else if (t.recipient.type !== 'node' || t.recipient.id !== t.upgrade.nodeId) {
        add(`${f}.recipient`, 'upgrade_recipient', 'an upgrade is delivered to the node it upgrades: recipient must be that node');
      }
    } else if (t.upgrade) {
      add(`${f}.upgrade`, 'upgrade_not_applicable', 'only upgrade tasks raise a node');
    }
    if (t.upgrade && automationRank(t.upgrade.toLevel) === 0) {
      add(`${f}.upgrade.toLevel`, 'not_an_upgrade', `${t.upgrade.toLevel} is the lowest level: nothing to upgrade to`);
    }
  });
  if (plan.nodes.length > 0 && plan.phase !== 'node-buildout') add('nodes', 'nodes_not_in_phase', 'only the node-buildout phase adds nodes');
  if (new Set(plan.nodes).size !== plan.nodes.length) add('nodes', 'duplicate_node', 'a node is listed twice');
  if (plan.budget && BigInt(plan.budget.minPledge) > BigInt(plan.budget.goal)) add('budget.minPledge', 'min_above_goal', 'minPledge cannot be larger than the goal');
  return problems;
}

/** Where `phase` stands relative to the project's current phase. */
export function phasePosition(phase: WorkingPhase, current: ProjectPhase): 'past' | 'current' | 'future' {
  if (current === 'completed') return 'past';
  const a = PROJECT_PHASES.indexOf(phase);
  const b = PROJECT_PHASES.indexOf(current);
  return a < b ? 'past' : a === b ? 'current' : 'future';
}
