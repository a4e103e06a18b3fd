import { randomBytes } from 'node:crypto'
import { openDatabase, type Database } from './database.js'

export interface TestDatabaseTarget {
  name: 'pglite' | 'postgres'
  /** why this target cannot run here (pass it as the test's `skip` option), or false */
  skip: string | false
  open(): Promise<Database>
}

/**
 * The databases a storage test should run against: PGlite, and real Postgres (in a fresh schema per
 * call, dropped afterwards) when `TEST_DATABASE_URL` is set. Without the URL the Postgres target is
 * still returned, with a `skip` reason, so the run reports the variant it did not run instead of
 * dropping it unseen. Tests pass the URL in; this helper only reads what it is given.
 */
export function testDatabaseTargets(postgresUrl: string | undefined): TestDatabaseTarget[] {
  const targets: TestDatabaseTarget[] = [
    {
      name: 'pglite',
      skip: false,
      async open() {
        const d = await openDatabase()
        await d.migrateToLatest()
        return d
      },
    },
  ]
  if (!postgresUrl) {
    targets.push({
      name: 'postgres',
      skip: 'TEST_DATABASE_URL is not set',
      open: () => Promise.reject(new Error('TEST_DATABASE_URL is not set')),
    })
  } else {
    targets.push({
      name: 'postgres',
      skip: false,
      async open() {
        const schema = `t_${randomBytes(6).toString('hex')}`
        const d = await openDatabase({ url: postgresUrl, schema })
        await d.migrateToLatest()
        const close = () => d.close()
        return {
          ...d,
          async close() {
            await d.pool?.query(`drop schema if exists ${schema} cascade`)
            await close()
          },
        }
      },
    })
  }
  return targets
}

/** A store test's target: a set of stores built on one test database, closed with it. */
export interface TestStoreTarget<S> {
  name: TestDatabaseTarget['name']
  skip: string | false
  /** `close` is a plain function (no `this`), so tests may destructure it */
  open(): Promise<S & { close: () => Promise<void> }>
}

/** `testDatabaseTargets`, each opening a database and building the stores under test on it. */
export function testStoreTargets<S>(
  postgresUrl: string | undefined,
  build: (d: Database) => S,
): TestStoreTarget<S>[] {
  return testDatabaseTargets(postgresUrl).map((db) => ({
    name: db.name,
    skip: db.skip,
    async open() {
      const d = await db.open()
      return { ...build(d), close: () => d.close() }
    },
  }))
}
