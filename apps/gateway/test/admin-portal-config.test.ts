import t from 'tap'
import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHmac } from 'node:crypto'
import { testDatabaseTargets } from '@entryway/db'
import { KyselyAdminSessionStore } from '@entryway/admin-rbac/postgres'
import { startInProcessGateway } from './in-process-gateway.js'
import { envToCfg, envToSecrets, readEnv } from '../src/index.js'

// The portal's cookie secret and session lifetime come from the environment (gatekeeper's
// GATEKEEPER_ADMIN_COOKIE_SECRET / GATEKEEPER_ADMIN_SESSION_TTL_HOURS are the model), and the
// gateway boots on pds-gatekeeper's own RBAC file (members as a list) unchanged.

const GATEKEEPER_FILE = fileURLToPath(
  new URL('../../../packages/admin-rbac/examples/gatekeeper-rbac.yaml', import.meta.url),
)
const OPERATOR = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz' // pds-admin in that file
const COOKIE_SECRET = 'an-operator-chosen-secret-of-more-than-32-chars'
const BASE_ENV = {
  ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
  ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
  ENTRYWAY_PDS_ADMIN_PASSWORD: 'x',
}

t.test(
  'ENTRYWAY_ADMIN_SESSION_TTL_HOURS and ENTRYWAY_ADMIN_COOKIE_SECRET are read, defaulted and checked',
  async (t) => {
    const on = { ...BASE_ENV, ENTRYWAY_ADMIN_RBAC_FILE: GATEKEEPER_FILE }
    t.equal(envToCfg(readEnv(on)).adminRbac?.sessionTtlMs, 24 * 3_600_000, 'default: 24 hours')
    t.equal(
      envToCfg(readEnv({ ...on, ENTRYWAY_ADMIN_SESSION_TTL_HOURS: '2' })).adminRbac?.sessionTtlMs,
      2 * 3_600_000,
    )
    t.throws(
      () => envToCfg(readEnv({ ...on, ENTRYWAY_ADMIN_SESSION_TTL_HOURS: '0' })),
      /ENTRYWAY_ADMIN_SESSION_TTL_HOURS/,
    )
    t.equal(
      envToSecrets(readEnv({ ...on, ENTRYWAY_ADMIN_COOKIE_SECRET: COOKIE_SECRET }))
        .adminCookieSecret,
      COOKIE_SECRET,
    )
    const derived = envToSecrets(readEnv(on)).adminCookieSecret
    t.ok(derived.length >= 32 && derived !== COOKIE_SECRET, 'unset: derived from the JWT key')
    t.throws(
      () => envToSecrets(readEnv({ ...on, ENTRYWAY_ADMIN_COOKIE_SECRET: 'short' })),
      /ENTRYWAY_ADMIN_COOKIE_SECRET: must be at least 32 characters/,
    )
  },
)

/** A signed cookie value as @fastify/cookie writes it (`<value>.<base64 HMAC-SHA256, unpadded>`). */
const sign = (value: string, secret: string) =>
  `${value}.${createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '')}`

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(
  `${target!.name}: a gatekeeper RBAC file boots the portal; its cookie is signed with ENTRYWAY_ADMIN_COOKIE_SECRET`,
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'entryway-gk-'))
    const rbacFile = join(dir, 'admin_rbac.yaml')
    copyFileSync(GATEKEEPER_FILE, rbacFile)
    const database = await target!.open()
    t.teardown(() => database.close())
    const { url } = await startInProcessGateway(t, database, {
      ENTRYWAY_ADMIN_RBAC_FILE: rbacFile,
      ENTRYWAY_ADMIN_COOKIE_SECRET: COOKIE_SECRET,
    })

    // a session row as the sign-in writes it; the browser holds only its signed id
    const now = Date.now()
    const id = 'session-id-for-the-operator-0123456789'
    await new KyselyAdminSessionStore(database.db).create({
      id,
      did: OPERATOR,
      csrfToken: 'csrf',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
    })
    const page = (secret: string) =>
      fetch(`${url}/admin`, {
        redirect: 'manual',
        headers: { cookie: `entryway_admin=${sign(id, secret)}` },
      })

    const signed = await page(COOKIE_SECRET)
    t.equal(signed.status, 200, 'a cookie signed with the configured secret opens the portal')
    t.match(await signed.text(), 'pds-admin', "the operator's role from the list-form file")
    const derived = envToSecrets(readEnv(BASE_ENV)).adminCookieSecret
    const other = await page(derived)
    t.not(other.status, 200, `a cookie signed with the derived secret is refused (${other.status})`)
  },
)
