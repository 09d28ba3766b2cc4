import { createDefaultEsmPreset } from 'ts-jest';

/** @type {import('jest').Config} */
export default {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.json' }),
  testEnvironment: 'node',
  // Every spec lives under test/ (README, 'Where specs live'); test/architecture.spec.ts keeps src/ free of them.
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  // Source imports use './x.js' (NodeNext ESM); map them back to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // One worker: with two, files share one PostgreSQL server, where an event shows only once every older
  // transaction on the server has ended, so one file's transactions delayed another's reads past their
  // waits (four CI runs out of five failed one or two specs that way). `-w 2` runs two (about 8 min
  // instead of about 20 on two cores) for a quick local run.
  maxWorkers: 1,
  // A bound, not a speed check: with two workers on two cores a PGlite start in a beforeEach can take
  // 30 s on a loaded machine (seen once on a single worker already).
  testTimeout: 60000,
};
