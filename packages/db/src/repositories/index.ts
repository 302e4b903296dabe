export * from './sql';
export * from './event.repository';
export * from './catalog.repository';
export * from './stats.repository';
export * from './import.repository';
export * from './build.repository';
export * from './build-output.repository';
export * from './evaluation.repository';
