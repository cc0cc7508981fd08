export * from './binaries';
export * from './temporal-client.module';
export * from './workflow-bundle';
export * from './temporal-availability';
export * from './observed-client.interceptor';
export * from './job-wakeups';
