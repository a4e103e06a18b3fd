import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load-config.js'
import { ConfigProblemsError, formatProblem } from '../config/problems.js'
import { envHelpText } from '../config/env-docs.js'
import { DEFAULT_PDS_COUNT, deploymentEnvText, generateDeploymentKeys } from '../config/keys.js'
import { formatResults } from '../doctor/check.js'
import { runDoctor } from '../doctor/run-doctor.js'
import { serve } from './serve.js'

/** sysexits' EX_CONFIG: the environment is wrong, not the program. */
export const EXIT_CONFIG = 78
export const EXIT_USAGE = 2

export interface CliIo {
  env: Record<string, string | undefined>
  out(text: string): void
  err(text: string): void
}

const USAGE = `usage: entryway [command]
  serve | start           check the environment, then run the gateway (the default)
  check-config            check the environment and exit (0: good, ${EXIT_CONFIG}: problems, one a line)
  keys generate [--pds N] [--public-url URL] [--did DID]
                          fresh Entryway keys and the matching PDS environment lines
  doctor [--gateway-url URL] [--handle H] [--resolve DOMAIN=ADDR]… [--ca-file PEM] [--no-color]
                          check a running deployment (same environment as the gateway):
                          a line per check, the fix under each failure; exit 1 on any failure
  --help                  this text and every variable

environment:`

/** `entryway …`: returns the exit code (serve returns once listening). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [cmd = 'serve', ...rest] = argv
  switch (cmd) {
    case 'serve':
    case 'start': {
      const loaded = checked(io)
      if (!loaded) return EXIT_CONFIG
      await serve(loaded.cfg, loaded.secrets)
      return 0
    }
    case 'check-config': {
      const loaded = checked(io)
      if (!loaded) return EXIT_CONFIG
      const { service, db, redis, email, plc } = loaded.cfg
      io.out(
        [
          'configuration OK',
          `  public URL  ${service.publicUrl} (${service.did})`,
          `  handles     ${service.handleDomains.join(', ')}`,
          `  database    ${db.url ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${db.dataDir ?? './data'}`}`,
          `  redis       ${redis ? 'shared rate limits' : 'none: rate limits per process'}`,
          `  email       ${email ? `SMTP, from ${email.from}` : 'none'}`,
          `  PLC         ${plc.url}`,
        ].join('\n'),
      )
      return 0
    }
    case 'keys': {
      if (rest[0] !== 'generate') return usage(io, `unknown: keys ${rest.join(' ')}`)
      const { values } = parseArgs({
        args: rest.slice(1),
        options: {
          pds: { type: 'string' },
          'public-url': { type: 'string' },
          did: { type: 'string' },
        },
      })
      const count = values.pds === undefined ? DEFAULT_PDS_COUNT : Number(values.pds)
      if (!Number.isInteger(count) || count < 0) return usage(io, '--pds must be a whole number')
      const publicUrl =
        values['public-url'] ?? io.env.ENTRYWAY_PUBLIC_URL ?? 'https://entryway.example.social'
      const did = values.did ?? io.env.ENTRYWAY_DID ?? `did:web:${new URL(publicUrl).hostname}`
      io.out(deploymentEnvText(await generateDeploymentKeys(count), { publicUrl, did }))
      return 0
    }
    case 'doctor': {
      const { values } = parseArgs({
        args: rest,
        options: {
          'gateway-url': { type: 'string' },
          handle: { type: 'string' },
          resolve: { type: 'string', multiple: true },
          'ca-file': { type: 'string' },
          'no-color': { type: 'boolean' },
        },
      })
      const resolve = new Map<string, string>()
      for (const r of values.resolve ?? []) {
        const [domain, address] = r.split('=')
        if (!domain || !address) return usage(io, `--resolve wants DOMAIN=ADDRESS, got ${r}`)
        resolve.set(domain.toLowerCase(), address)
      }
      const loaded = checked(io)
      if (!loaded) return EXIT_CONFIG
      const results = await runDoctor(loaded.cfg, loaded.secrets, {
        gatewayUrl: values['gateway-url'],
        handle: values.handle,
        resolve,
        caFile: values['ca-file'],
      })
      io.out(formatResults(results, !values['no-color'] && !io.env.NO_COLOR))
      return results.some((r) => r.status === 'fail') ? 1 : 0
    }
    case 'help':
    case '--help':
    case '-h':
      io.out(`${USAGE}\n${envHelpText()}`)
      return 0
    default:
      return usage(io, `unknown command: ${cmd}`)
  }
}

function usage(io: CliIo, problem: string): number {
  io.err(`${problem}\n${USAGE.split('\n\nenvironment:')[0]}`)
  return EXIT_USAGE
}

/** The whole environment, or every problem printed one a line (no stack trace) and null. */
function checked(io: CliIo): ReturnType<typeof loadConfig> | null {
  try {
    return loadConfig(io.env)
  } catch (err) {
    if (!(err instanceof ConfigProblemsError)) throw err
    const n = err.problems.length
    io.err(
      `entryway: the configuration has ${n} problem${n === 1 ? '' : 's'} (entryway --help lists every variable):\n${err.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    )
    return null
  }
}
