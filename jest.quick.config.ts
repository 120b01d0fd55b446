import type { Config } from 'jest';
import base from './jest.config';

/**
 * The inner loop (`pnpm test:quick`): every test of jest.config.ts but the five that need more
 * than the sources and a build — Chromium, the docs site, the npm registry. `pnpm test` runs them.
 */
const config: Config = {
  ...base,
  testPathIgnorePatterns: [
    '/node_modules/',
    // nn's page test drives Chromium.
    '<rootDir>/packages/nn/test/browser\\.test\\.ts$',
    // So does nn's threads page test.
    '<rootDir>/packages/nn/test/browser-threads\\.test\\.ts$',
    // Opens pages bundled by Vite and esbuild in Chromium.
    '<rootDir>/docs/test/bundlers-browser\\.test\\.ts$',
    // Builds the docs site (packages, pictures, TypeDoc, VitePress) and drives the playground in Chromium.
    '<rootDir>/docs/test/site\\.test\\.ts$',
    // Packs the six packages and npm-installs the tarballs into an empty folder (registry or cache).
    '<rootDir>/packages/cli/test/package\\.test\\.ts$',
  ],
};

export default config;
