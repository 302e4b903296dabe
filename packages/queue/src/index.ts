export * from './connections';
export * from './producer';
export * from './rebuild-flows';
export * from './rebuild-launcher';
export * from './realtime';
