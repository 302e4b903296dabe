export * from './shape';
export * from './trigger';
export * from './artifacts';
export * from './artifact-cache';
export * from './stage-runner';
export * from './stage.module';
export * from './snapshot-reader';
export * from './evaluation';
