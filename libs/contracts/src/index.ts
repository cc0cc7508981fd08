export * from './production-project';
export * from './decision';
export * from './funding-round';
export * from './job';
export * from './output-orders';
export * from './project-phase';
export * from './failures';
export * from './request-id';
