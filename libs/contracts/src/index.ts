export * from './production-project';
