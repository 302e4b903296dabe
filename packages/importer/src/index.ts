export * from './csv-parser';
export * from './ndjson-parser';
export * from './errors';
export * from './source';
export * from './rows';
export * from './kinds';
export * from './import-file';
