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
  // Chevrotain (the rule language's parser; the engine loads its single-file build) ships ES modules
  // only: Node 20.19 requires them as they are, Jest's runtime does not, so it goes through SWC too.
  transform: { '^.+\\.ts$': swc, '/node_modules/chevrotain/.+\\.m?js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!chevrotain/)'],
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
