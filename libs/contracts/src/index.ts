export * from './production-project';
export * from './decision';
