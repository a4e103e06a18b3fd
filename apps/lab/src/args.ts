import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '@entryway/testkit'

export interface LabOptions {
  /** Lab folder (keys, data, logs, lab.json). `--dir`, else `ENTRYWAY_LAB_DIR`, else `<repo>/.lab`. */
  dir: string
  pdsCount: number
  gatewayCount: number
  reset: boolean
  /** Ignore the fixed human-friendly ports (tests). */
  randomPorts: boolean
  /** Postgres for PLC and the gateway (`DATABASE_URL`); null: PLC in memory, gateway on PGlite. */
  databaseUrl: string | null
  /** Redis shared by the gateways for rate limits (`ENTRYWAY_REDIS_URL`); null: per process. */
  redisUrl: string | null
  /** Print a fresh `.env` for docker-compose.yml and exit. */
  composeEnv: boolean
  help: boolean
}

export const USAGE = `usage: ./dev lab [--pds N] [--gateways N] [--reset] [--dir PATH] [--random-ports]
       ./dev lab --compose-env > .env     (fresh keys for docker compose)

  --pds N          how many PDSes (default 2)
  --gateways N     how many gateway processes (default 1; more than 1 needs DATABASE_URL)
  --reset          wipe the lab folder (keys, data, logs) first
  --dir PATH       lab folder (default .lab, or ENTRYWAY_LAB_DIR)
  --random-ports   do not try the fixed ports (2582 PLC, 2583 gateway, 2600+ PDS, 1025/8025 mail)

  ENTRYWAY_REDIS_URL=redis://…  gateways count rate limits together in that Redis
  DATABASE_URL=postgres://…  keeps PLC and gateway state in Postgres (schema entryway_lab of
                             that database, and a database <name>_plc beside it), so accounts
                             survive restarts; --reset drops both.`

export class LabUsageError extends Error {
  override name = 'LabUsageError'
}

export function parseLabArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): LabOptions {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        pds: { type: 'string' },
        gateways: { type: 'string' },
        reset: { type: 'boolean', default: false },
        dir: { type: 'string' },
        'random-ports': { type: 'boolean', default: false },
        'compose-env': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }))
  } catch (err) {
    throw new LabUsageError((err as Error).message)
  }
  const count = (name: string, v: string | undefined, d: number) => {
    if (v === undefined) return d
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1 || n > 16)
      throw new LabUsageError(`--${name} must be a whole number from 1 to 16`)
    return n
  }
  const databaseUrl = env.DATABASE_URL || null
  const gatewayCount = count('gateways', values.gateways, 1)
  if (gatewayCount > 1 && !databaseUrl) {
    throw new LabUsageError(
      '--gateways N > 1 needs DATABASE_URL: the gateways share one Postgres database (PGlite is single-process)',
    )
  }
  return {
    dir: resolve(values.dir ?? env.ENTRYWAY_LAB_DIR ?? resolve(REPO_ROOT, '.lab')),
    pdsCount: count('pds', values.pds, 2),
    gatewayCount,
    reset: values.reset ?? false,
    randomPorts: values['random-ports'] ?? false,
    databaseUrl,
    redisUrl: env.ENTRYWAY_REDIS_URL || null,
    composeEnv: values['compose-env'] ?? false,
    help: values.help ?? false,
  }
}
