import { randomBytes } from 'node:crypto'
import { openDatabase, type Database } from './database.js'

export interface TestDatabaseTarget {
  name: 'pglite' | 'postgres'
  open(): Promise<Database>
}

/**
 * The databases a storage test should run against: PGlite always, and real Postgres (in a fresh
 * schema per call, dropped afterwards) when `TEST_DATABASE_URL` is set. Tests pass the URL in; this
 * helper only reads what it is given.
 */
export function testDatabaseTargets(postgresUrl: string | undefined): TestDatabaseTarget[] {
  const targets: TestDatabaseTarget[] = [
    {
      name: 'pglite',
      async open() {
        const d = await openDatabase()
        await d.migrateToLatest()
        return d
      },
    },
  ]
  if (postgresUrl) {
    targets.push({
      name: 'postgres',
      async open() {
        const schema = `t_${randomBytes(6).toString('hex')}`
        const d = await openDatabase({ url: postgresUrl, schema })
        await d.migrateToLatest()
        const close = d.close
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
