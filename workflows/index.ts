/**
 * Entry point of the workflow bundle: every workflow the worker runs is exported here.
 * Exported names are workflow types stored in histories: never rename them.
 */
export { productionProjectWorkflow } from './production-project/workflow';
export { memberDecisionWorkflow } from './decision/workflow';
export { fundingRoundWorkflow } from './funding-round/workflow';
export { jobWorkflow } from './job/workflow';
export { jobNotificationWorkflow } from './job/notification';
export { outputOrderCycleWorkflow } from './output-orders/workflow';
export { projectPhaseWorkflow } from './project-phase/workflow';
export { buyoutWorkflow } from './buyout/workflow';
export { marketOrderTimerWorkflow } from './market/workflow';
export { flowWorkflow } from './flow/workflow';
