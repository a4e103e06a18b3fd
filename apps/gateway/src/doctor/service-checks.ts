import { sql } from 'kysely'
import { Redis } from 'ioredis'
import nodemailer from 'nodemailer'
import { migrations, openDatabase } from '@entryway/db'
import type { ServerConfig } from '../config/config.js'
import { check, CheckFailure, type CheckResult } from './check.js'
import { PROBE_TIMEOUT_MS, type ProbeClient } from './probe-client.js'

/** The gateway itself, then what it depends on: Postgres and its migrations, Redis, SMTP, PLC. */
export async function serviceChecks(
  cfg: ServerConfig,
  http: ProbeClient,
  gatewayUrl: string,
): Promise<CheckResult[]> {
  return [
    await check(
      'gateway',
      `start the gateway (entryway serve) and check ${gatewayUrl} is where it listens (--gateway-url)`,
      async () => {
        const { status, body } = await http.json(`${gatewayUrl}/xrpc/_health`)
        if (status !== 200)
          throw new CheckFailure(
            `${gatewayUrl}/xrpc/_health answered ${status} ${body.message ?? ''}`.trim(),
          )
        return `${gatewayUrl} answers (version ${body.version})`
      },
    ),
    await postgresCheck(cfg),
    await check(
      'redis',
      'check ENTRYWAY_REDIS_URL and that Redis runs (redis-cli -u <url> ping)',
      async () => {
        if (!cfg.redis) return { skip: 'ENTRYWAY_REDIS_URL unset: rate limits count per process' }
        const redis = new Redis(cfg.redis.url, {
          lazyConnect: true,
          connectTimeout: PROBE_TIMEOUT_MS,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        })
        redis.on('error', () => {})
        try {
          await redis.connect()
          const pong = await redis.ping()
          return `${redactUrl(cfg.redis.url)} answers ${pong}`
        } finally {
          redis.disconnect()
        }
      },
    ),
    await check(
      'smtp',
      'check ENTRYWAY_SMTP_URL (host, port, credentials) and that the mail server accepts connections',
      async () => {
        if (!cfg.email)
          return { skip: 'ENTRYWAY_SMTP_URL unset: no email (confirmation, 2FA, password reset)' }
        // connect, EHLO (and AUTH when the URL has credentials); no mail is sent
        const transport = nodemailer.createTransport(cfg.email.smtpUrl, {
          connectionTimeout: PROBE_TIMEOUT_MS,
          greetingTimeout: PROBE_TIMEOUT_MS,
          socketTimeout: PROBE_TIMEOUT_MS,
        } as never)
        try {
          await transport.verify()
        } finally {
          transport.close()
        }
        return `${redactUrl(cfg.email.smtpUrl)} accepted EHLO`
      },
    ),
    await check(
      'plc',
      'check ENTRYWAY_PLC_URL (https://plc.directory in production) and the network path to it',
      async () => {
        const res = await http.get(`${cfg.plc.url}/_health`)
        if (res.status !== 200)
          throw new CheckFailure(`${cfg.plc.url}/_health answered ${res.status}`)
        return `${cfg.plc.url} answers`
      },
    ),
  ]
}

async function postgresCheck(cfg: ServerConfig): Promise<CheckResult> {
  return check(
    'postgres',
    'check DATABASE_URL and that Postgres accepts connections (pg_isready -d <url>)',
    async () => {
      if (!cfg.db.url)
        return {
          skip: `embedded PGlite in ${cfg.db.dataDir ?? './data'} (one gateway process; checked through its /xrpc/_health)`,
        }
      const database = await openDatabase({
        url: cfg.db.url,
        poolMax: 1,
        connectionTimeoutMs: PROBE_TIMEOUT_MS,
      })
      try {
        let applied: string[]
        try {
          const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(
            database.db,
          )
          applied = rows.rows.map((r) => r.name)
        } catch (err) {
          if ((err as { code?: string }).code === '42P01') applied = []
          else throw err
        }
        const missing = Object.keys(migrations).filter((m) => !applied.includes(m))
        if (missing.length) {
          throw new CheckFailure(
            `${missing.length} migration(s) not applied (${missing.join(', ')})`,
            'start the new gateway version once: it migrates at start (see DEPLOYING.md, upgrades)',
          )
        }
        return `${redactUrl(cfg.db.url)}: ${applied.length} migrations, all applied`
      } finally {
        await database.close()
      }
    },
  )
}

/** A URL without its password, for the report. */
export function redactUrl(u: string): string {
  try {
    const url = new URL(u)
    if (url.password) url.password = '***'
    return url.toString().replace(/\/$/, '')
  } catch {
    return '<url>'
  }
}
