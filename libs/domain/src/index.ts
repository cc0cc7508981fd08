export * from './money';
export * from './shares';
export * from './ledger';
export * from './decisions';
export * from './funding';
export * from './allocation';
export * from './quarters';
export * from './phase-plans';
