import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Dependencies load graphql through Node (CommonJS); test code must use that same copy, not
    // graphql's .mjs build, or instanceof checks fail across the two ("another module or realm").
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // type-graphql's decorators need the metadata API before any entity module loads.
    setupFiles: ['reflect-metadata'],
    // Test files share one PostgreSQL server but each gets its own database, so they can run in parallel.
    fileParallelism: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
