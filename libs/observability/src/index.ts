export * from './request-context';
export * from './logger';
export * from './temporal-logger';
export * from './metrics';
export * from './metrics-access';
