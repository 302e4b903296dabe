export * from './copy';
export * from './data-source';
export * from './entities';
export * from './migrate';
export * from './migrations';
export * from './repositories';
