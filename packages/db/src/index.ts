export * from './database.js'
export {
  DatabaseUnavailableError,
  isDatabaseUnavailable,
  withUnavailableErrors,
} from './unavailable.js'
export { migrations } from './migrations/index.js'
export {
  testDatabaseTargets,
  testStoreTargets,
  type TestDatabaseTarget,
  type TestStoreTarget,
} from './test-databases.js'
export { seedHostWithAccounts, type TestAccount, type TestHost } from './test-seed.js'
export type * from './schema/index.js'
export { nowIso } from './time.js'
