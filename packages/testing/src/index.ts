export * from './database';
export * from './queue';
export * from './fixtures';
export * from './synthetic';
export * from './builds';
export * from './app';
export * from './wait';
