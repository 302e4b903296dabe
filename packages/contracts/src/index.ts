export * from './timestamp';
export * from './ids';
export * from './records';
export * from './api';
export * from './event-id';
export * from './jobs';
export * from './evaluations';
export * from './experiments';
