// A did:plc directory (@did-plc/server) in its own process. In memory by default; with
// PLC_DB_POSTGRES_URL it keeps its operations in Postgres (optionally in PLC_DB_POSTGRES_SCHEMA)
// and survives restarts. The package's own bin insists on Postgres, hence this runner.
import { Database, PlcServer } from '@did-plc/server'

const port = Number.parseInt(process.env.PLC_PORT ?? '2582', 10)
const url = process.env.PLC_DB_POSTGRES_URL
const schema = process.env.PLC_DB_POSTGRES_SCHEMA || undefined

let db
if (url) {
  db = Database.postgres({ url, schema })
  await db.migrateToLatestOrThrow()
} else {
  db = Database.mock()
}
const server = PlcServer.create({ db, port, version: process.env.PLC_VERSION || '0.0.1' })
await server.start()
process.stdout.write(JSON.stringify({ msg: 'plc started', port, storage: url ? 'postgres' : 'memory' }) + '\n')

let stopping = false
const shutdown = async () => {
  if (stopping) return
  stopping = true
  try {
    await server.destroy()
  } catch (err) {
    process.stderr.write(`plc failed to stop cleanly: ${err?.stack ?? err}\n`)
    process.exitCode = 1
  }
  process.exit()
}
process.once('SIGTERM', () => void shutdown())
process.once('SIGINT', () => void shutdown())
