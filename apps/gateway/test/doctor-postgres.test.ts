import { randomBytes } from 'node:crypto'
import t from 'tap'
import { openDatabase } from '@entryway/db'
import { loadConfig } from '../src/index.js'
import { serviceChecks } from '../src/doctor/service-checks.js'
import { ProbeClient } from '../src/doctor/probe-client.js'

// The doctor's Postgres line: reachable and every migration applied, on a real Postgres
// (TEST_DATABASE_URL; .ci/run sets it), in a schema of its own.
const url = process.env.TEST_DATABASE_URL

t.test(
  'postgres: green when migrated, red naming the missing migration, red when unreachable',
  { skip: url ? false : 'TEST_DATABASE_URL unset' },
  async (t) => {
    const schema = `t_doctor_${randomBytes(4).toString('hex')}`
    const database = await openDatabase({ url: url!, schema, connectionTimeoutMs: 10_000 })
    t.teardown(async () => {
      await database.pool?.query(`drop schema if exists ${schema} cascade`)
      await database.close()
    })
    await database.migrateToLatest()
    const base = {
      ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
      ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
      ENTRYWAY_PDS_ADMIN_PASSWORD: 'x',
    }
    const inSchema = new URL(url!)
    inSchema.searchParams.set('options', `-c search_path=${schema}`)
    const http = new ProbeClient()
    t.teardown(() => http.close())
    const postgresLine = async (databaseUrl: string) => {
      const { cfg } = loadConfig({ ...base, DATABASE_URL: databaseUrl })
      return (await serviceChecks(cfg, http, 'http://127.0.0.1:1')).find(
        (r) => r.name === 'postgres',
      )!
    }

    t.match(await postgresLine(inSchema.toString()), {
      status: 'ok',
      detail: /migrations, all applied$/,
    })

    const [last] = (
      await database.pool!.query(
        `select name from ${schema}.kysely_migration order by name desc limit 1`,
      )
    ).rows as { name: string }[]
    await database.pool!.query(`delete from ${schema}.kysely_migration where name = $1`, [
      last!.name,
    ])
    t.match(await postgresLine(inSchema.toString()), {
      status: 'fail',
      detail: `1 migration(s) not applied (${last!.name})`,
      fix: /it migrates at start/,
    })

    const dead = new URL(url!)
    dead.port = '1'
    t.match(await postgresLine(dead.toString()), {
      status: 'fail',
      detail: /ECONNREFUSED/,
      fix: /DATABASE_URL/,
    })
  },
)
