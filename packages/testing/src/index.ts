export * from './database';
export * from './queue';
export * from './fixtures';
export * from './synthetic';
export * from './builds';
export * from './fuzz';
export * from './app';
export * from './wait';
