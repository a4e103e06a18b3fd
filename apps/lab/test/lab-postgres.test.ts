import pg from 'pg'
import t from 'tap'
import { isPortFree } from '@entryway/testkit'
import { withDatabase } from '../src/index.js'
import { alive, runLab } from './run-lab.js'

const base = process.env.TEST_DATABASE_URL
const LAB_DATABASE = 'entryway_lab_test'

t.test(
  'with DATABASE_URL: PLC and two gateways on Postgres; a restart keeps ports, DIDs and keys',
  { skip: !base && 'TEST_DATABASE_URL is not set' },
  async (t) => {
    // a database of its own: the lab's --reset drops its schema and its <db>_plc database
    const admin = new pg.Client({ connectionString: base })
    await admin.connect()
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [
      LAB_DATABASE,
    ])
    if (!rowCount) await admin.query(`create database ${LAB_DATABASE}`)
    await admin.end()
    const env = { DATABASE_URL: withDatabase(base!, LAB_DATABASE) }
    const dir = t.testdir()

    const first = await runLab(t, ['--reset', '--pds', '1', '--gateways', '2'], { dir, env })
    t.match(first.info, { persistent: true, plc: { storage: 'postgres' } })
    t.equal(first.info.entryway.urls.length, 2)
    for (const url of first.info.entryway.urls)
      t.equal((await fetch(`${url}/xrpc/_health`)).status, 200, url)
    first.child.kill('SIGTERM')
    t.equal(await first.exit, 0)

    const second = await runLab(t, ['--pds', '1', '--gateways', '2'], { dir, env })
    t.same(second.info.entryway, first.info.entryway, 'same Entryway URL and DID')
    t.same(second.info.pds, first.info.pds, 'same PDS URLs and DIDs')
    t.equal(second.info.adminPassword, first.info.adminPassword, 'same secrets')
    second.child.kill('SIGTERM')
    t.equal(await second.exit, 0)
    for (const p of second.info.processes) {
      t.notOk(alive(p.pid), `${p.name} is gone`)
      for (const port of p.ports) t.ok(await isPortFree(port), `${p.name} port ${port} is free`)
    }
  },
)
