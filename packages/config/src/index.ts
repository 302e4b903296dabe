export * from './env';
export * from './scopes';
