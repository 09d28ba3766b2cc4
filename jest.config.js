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
  // Two workers, also on a 2-core machine (jest's default there is one): the specs spend much of their time
  // waiting on PostgreSQL, PGlite and child processes, and are isolated (each file opens its own databases,
  // listens on port 0, writes only to its own temporary folders; the builds they trigger take a lock).
  // `-w 1` (or `--runInBand`) runs them one at a time again.
  maxWorkers: 2,
  // A bound, not a speed check: with two workers on two cores a PGlite start in a beforeEach can take
  // 30 s on a loaded machine (seen once on a single worker already).
  testTimeout: 60000,
};
