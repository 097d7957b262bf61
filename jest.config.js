/**
 * Jest runs the TypeScript sources directly; `npm run typecheck` does the type checking.
 * Two projects: `unit` needs no services (`npm run test:unit`); `services` (integration and browser
 * tests) first checks that RabbitMQ and Redis answer and fails the whole run loudly when they do not.
 * `npm test` runs both.
 */
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
};

module.exports = {
  testTimeout: 30000,
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    { ...shared, displayName: 'services', roots: ['<rootDir>/test/integration', '<rootDir>/test/browser', '<rootDir>/client/test'], globalSetup: '<rootDir>/test/helpers/global-setup.ts' },
  ],
};
