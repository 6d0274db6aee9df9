/** Unit specs sit next to the code; e2e specs in test/ run against real PostgreSQL and Redis. */
const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleNameMapper: {
    '^@apps/(api|worker)$': '<rootDir>/apps/$1/src/bootstrap',
    '^@app/(config|database|items|cache|consistency|metrics|sources|testing)$': '<rootDir>/libs/$1/src',
  },
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // Holds the in-process apps' logs back unless a test fails (see TestContext).
      testEnvironment: '<rootDir>/libs/testing/jest-environment.cjs',
    },
  ],
  testTimeout: 60_000,
};
