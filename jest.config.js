// One Jest run for the whole monorepo: tests read package sources directly (no build needed),
// unit tests (*.spec.ts) beside the code, integration tests (*.int-spec.ts) against the real
// Postgres and Redis of the machine.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@nextbuy/([a-z-]+)$': '<rootDir>/packages/$1/src' },
  roots: ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/bench', '<rootDir>/test'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};
module.exports = {
  // A global option (ignored inside projects): integration tests start processes and apps, which
  // takes seconds on a loaded 2-core machine; unit tests never come near it.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.int-spec.ts'],
      globalSetup: '<rootDir>/packages/testing/src/jest-global-setup.ts',
    },
  ],
};
