import { createServer } from 'node:net'
import type { Database } from '@entryway/db'
import type { RouteOptions } from 'fastify'
import type { Test } from 'tap'
import { hashPassword } from '@entryway/session'
import { buildGateway, envToCfg, envToSecrets, readEnv, type Gateway } from '../src/index.js'
import { type RawClient, headlessAuthorize } from '../../../packages/oauth/test/raw-client.js'

// Shared set-up of the quick gateway tests: seeded accounts on one database, a gateway built
// in-process and listening, and OAuth sign-ins through the raw client.

export interface SeedUser {
  did: string
  handle: string
  password: string
  email?: string
}

export const ADMIN_PASSWORD = 'admin-pass'
export const BASIC_ADMIN = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** One enabled host and the given accounts on it, emails confirmed. */
export async function seedAccounts(
  database: Database,
  users: readonly SeedUser[],
  pdsUrl = 'http://localhost:1',
): Promise<void> {
  const now = new Date().toISOString()
  const host = await database.db
    .insertInto('pds_host')
    .values({
      url: pdsUrl,
      did: 'did:web:pds1.test',
      status: 'enabled',
      weight: 1,
      healthy: true,
      consecutiveFailures: 0,
      createdAt: now,
      updatedAt: now,
      internalUrl: null,
      accountCap: null,
      lastCheckAt: null,
      lastError: null,
      version: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const u of users) {
    await database.db
      .insertInto('account')
      .values({
        did: u.did,
        handle: u.handle,
        email: u.email ?? `${u.handle}@mail.test`,
        emailConfirmedAt: now,
        emailAuthFactor: false,
        passwordScrypt: await hashPassword(u.password),
        hostId: host.id,
        status: 'active',
        takedownRef: null,
        deactivatedAt: null,
        invitesDisabled: false,
        createdAt: now,
        updatedAt: now,
      })
      .execute()
  }
}

type Tap = Pick<Test, 'teardown' | 'equal'>

/** The whole gateway on `database`, listening on a free loopback port. */
export async function startInProcessGateway(
  t: Tap,
  database: Database,
  env: Record<string, string> = {},
): Promise<{ gw: Gateway; url: string }> {
  const port = await freePort()
  const e = readEnv({
    ENTRYWAY_PORT: String(port),
    ENTRYWAY_PUBLIC_URL: `http://localhost:${port}`,
    ENTRYWAY_HANDLE_DOMAINS: '.example.test',
    ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
    ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
    ENTRYWAY_PDS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...env,
  })
  const gw = await buildGateway(envToCfg(e), envToSecrets(e), { logger: false, database })
  t.teardown(() => gw.app.close())
  await gw.app.listen({ port, host: '127.0.0.1' })
  return { gw, url: `http://localhost:${port}` }
}

/**
 * The gateway with every plugin mounted (the admin portal too), built and ready but not listening;
 * `onRoute` sees each route as it is added. For tests that hold every route to a rule.
 */
export async function buildWholeGateway(
  t: Tap,
  database: Database,
  onRoute: (route: RouteOptions) => void,
): Promise<Gateway> {
  const e = readEnv({
    ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
    ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
    ENTRYWAY_PDS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ENTRYWAY_ADMIN_RBAC_FILE: new URL(
      '../../../packages/admin-rbac/examples/rbac.yaml',
      import.meta.url,
    ).pathname,
  })
  const gw = await buildGateway(envToCfg(e), envToSecrets(e), { logger: false, database, onRoute })
  t.teardown(() => gw.app.close())
  await gw.app.ready()
  return gw
}

/**
 * The gateway in-process on the port a testkit fleet told its PDSes (`startFleet({ gateway: false })`),
 * returned once its health checks have marked every PDS of the fleet healthy: from then on a
 * sign-up has a host, and a test never needs to retry one.
 */
export async function listenOnFleet(
  t: Tap,
  fleet: {
    gatewayEnv: Record<string, string>
    entryway: { port: number }
    pds: readonly unknown[]
  },
): Promise<Gateway> {
  const env = readEnv(fleet.gatewayEnv)
  const cfg = envToCfg(env)
  const gw = await buildGateway(cfg, envToSecrets(env), { logger: process.env.E2E_LOG === '1' })
  t.teardown(() => gw.app.close())
  await gw.app.listen({ port: fleet.entryway.port, host: cfg.service.host })
  const healthy = async () =>
    (
      await gw.database.db
        .selectFrom('pds_host')
        .select('url')
        .where('status', '=', 'enabled')
        .where('healthy', '=', true)
        .execute()
    ).length
  const deadline = Date.now() + 20_000
  while ((await healthy()) < fleet.pds.length) {
    if (Date.now() > deadline)
      throw new Error(`the gateway did not see its ${fleet.pds.length} PDS(es) healthy within 20 s`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return gw
}

/** PAR → headless sign-in and consent → code exchange; returns the refresh token. */
export async function oauthSignIn(t: Tap, client: RawClient, u: SeedUser): Promise<string> {
  const { requestUri, verifier } = await client.par()
  const r = await headlessAuthorize(client.issuer, client.authorizeUrl(requestUri), {
    username: u.handle,
    password: u.password,
  })
  const tok = await client.exchange(r.code!, verifier)
  t.equal(tok.status, 200, `${u.handle} signed in`)
  return tok.json.refresh_token as string
}
