export * from './errors';
export * from './event-line';
export * from './log-line';
export * from './line';
export * from './assembler';
export * from './filters';
