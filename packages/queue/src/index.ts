export * from './connections';
export * from './producer';
export * from './realtime';
