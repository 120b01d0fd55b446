import type { Config } from 'jest';

/**
 * Tests run on the TypeScript sources through ts-jest (no build needed); `@ad/*` imports map to
 * each package's src/index.ts and `.js` specifiers to their `.ts` files. Type checking is done
 * once by `tsc -p tsconfig.test.json`, so ts-jest only transpiles.
 */
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/docs', '<rootDir>/bench'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  moduleNameMapper: {
    // What the tests of several packages share (packages/test-support, private): by file, as `@ad/test-support/op-specs`.
    '^@ad/test-support/([a-z-]+)$': '<rootDir>/packages/test-support/src/$1.ts',
    '^@ad/([a-z]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@ad/core/engine$': '<rootDir>/packages/core/src/engine/index.ts',
    '^@ad/nn/node$': '<rootDir>/packages/nn/src/node-only.ts',
    '^@ad/([a-z]+)/([a-z]+)$': '<rootDir>/packages/$1/src/$2.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/scripts/summary-reporter.cjs'],
};

export default config;
