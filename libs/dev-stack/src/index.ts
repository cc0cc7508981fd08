export * from './postgres';
export * from './temporal';
export * from './mail-catcher';
export * from './wait';
export * from './console-lines';
