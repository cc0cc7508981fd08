export * from './recipes.repository';
export * from './flows.repository';
export * from './handoffs.repository';
export * from './lots.repository';
export * from './pickup-points.repository';
export * from './flow-views';
export * from './flow-planner';
