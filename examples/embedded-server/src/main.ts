import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { openDatabase } from '@entryway/db'
import { registerEntryway } from './entryway.js'

// `node dist/main.js` (after `pnpm build`), configured by the environment, the gateway's names:
// DATABASE_URL, ENTRYWAY_PORT, ENTRYWAY_PUBLIC_URL, ENTRYWAY_DID, ENTRYWAY_PLC_URL,
// ENTRYWAY_JWT_SIGNING_KEY_HEX, ENTRYWAY_PLC_ROTATION_KEY_HEX, ENTRYWAY_PDS_ADMIN_PASSWORD,
// ENTRYWAY_FLEET_HOSTS (JSON [{ url, did }]), ENTRYWAY_HANDLE_DOMAINS (comma separated).
function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is required`)
  return v
}

const RBAC_YAML = `
roles:
  pds-admin:
    endpoints: ['com.atproto.admin.*', com.atproto.server.createInviteCode, entryway.admin.readAudit]
members:
  ${process.env.EXAMPLE_ADMIN_DID ?? 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'}: [pds-admin]
`

// "Your" existing Fastify app, with routes of its own.
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
app.get('/hello', async () => ({ hello: 'from your own app' }))

const database = await openDatabase({
  url: env('DATABASE_URL'),
  onPoolError: (err) => app.log.warn({ err }, 'postgres pool error'),
})
await database.migrateToLatest()
app.addHook('onClose', () => database.close())

await registerEntryway(app, {
  database,
  publicUrl: env('ENTRYWAY_PUBLIC_URL'),
  did: env('ENTRYWAY_DID'),
  plcUrl: env('ENTRYWAY_PLC_URL'),
  jwtSigningKeyHex: env('ENTRYWAY_JWT_SIGNING_KEY_HEX'),
  plcRotationKeyHex: env('ENTRYWAY_PLC_ROTATION_KEY_HEX'),
  pdsAdminPassword: env('ENTRYWAY_PDS_ADMIN_PASSWORD'),
  hosts: JSON.parse(env('ENTRYWAY_FLEET_HOSTS')) as { url: string; did: string }[],
  handleDomains: env('ENTRYWAY_HANDLE_DOMAINS').split(','),
  rbacYaml: RBAC_YAML,
  // a real deployment keeps this key in its secret store: the audit chain is verified with it
  auditKey: process.env.EXAMPLE_AUDIT_KEY_HEX
    ? Buffer.from(process.env.EXAMPLE_AUDIT_KEY_HEX, 'hex')
    : randomBytes(32),
  mailer: {
    send: async (msg) =>
      app.log.info({ to: msg.to, subject: msg.subject }, 'mail not sent (the example has no SMTP)'),
  },
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close())
await app.listen({ port: Number(process.env.ENTRYWAY_PORT ?? 3000), host: '127.0.0.1' })
