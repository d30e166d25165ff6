/**
 * The dashboard's end-to-end tests: a real `dashql serve` (embedded PostgreSQL, demo
 * data) driven through a real headless Chromium. `npm run test:e2e` builds dist/ and
 * web/dist first. Specs are *.e2e.ts so the main jest run (testMatch *.test.ts) never
 * picks them up.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: "../..",
  testEnvironment: "node",
  roots: ["<rootDir>/test/e2e"],
  testMatch: ["**/*.e2e.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }],
  },
  globalSetup: "<rootDir>/test/e2e/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/e2e/support/global-teardown.ts",
  // One server and one browser at a time: the specs share the server, and two cores
  // are already busy with Chromium, Node and PostgreSQL.
  maxWorkers: 1,
  // A worker run and the 2 s polling of the runs view sit inside one test; on a loaded
  // two-core machine a browser navigation alone can take seconds.
  testTimeout: 90_000,
};
