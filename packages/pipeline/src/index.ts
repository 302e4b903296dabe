export * from './lists';
export * from './rebuild-stages';
export * from './shards';
export * from './snapshot-loader';
export * from './trigger';
export * from './stage-names';
export * from './rebuild-stages.module';
export * from './evaluation';
