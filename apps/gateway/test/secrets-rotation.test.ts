import t from 'tap'
import { copyFileSync, mkdtempSync } from 'node:fs'
import { createHmac } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { testDatabaseTargets } from '@entryway/db'
import { KyselyAdminSessionStore } from '@entryway/admin-rbac/postgres'
import { JwtKeyring } from '@entryway/session'
import { envToSecrets, readEnv } from '../src/index.js'
import { OAUTH_DPOP_SECRET_LABEL } from '../src/config/secrets.js'
import { startInProcessGateway } from './in-process-gateway.js'
import { RawClient } from '../../../packages/oauth/test/raw-client.js'

// The admin cookie key, the DPoP nonce key and the sign-up request key may each be set on its
// own, so that rotating the JWT key (from which they are otherwise derived) signs nobody out.

const KEY_A = '11'.repeat(32)
const KEY_B = '33'.repeat(32)
const OWN = {
  ENTRYWAY_ADMIN_COOKIE_SECRET: 'an-operator-chosen-secret-of-more-than-32-chars',
  ENTRYWAY_OAUTH_DPOP_SECRET_HEX: 'ab'.repeat(32),
  ENTRYWAY_SIGNUP_REQUEST_KEY_HEX: 'cd'.repeat(40),
}
const env = (jwtKey: string, extra: Record<string, string> = {}) =>
  readEnv({
    ENTRYWAY_JWT_SIGNING_KEY_HEX: jwtKey,
    ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
    ENTRYWAY_PDS_ADMIN_PASSWORD: 'x',
    ...extra,
  })

t.test(
  'set on their own, the three keys survive a JWT key rotation; derived, they follow it',
  async (t) => {
    const [a, b] = [envToSecrets(env(KEY_A, OWN)), envToSecrets(env(KEY_B, OWN))]
    t.equal(a.adminCookieSecret, OWN.ENTRYWAY_ADMIN_COOKIE_SECRET)
    t.equal(Buffer.from(a.oauthDpopSecret).toString('hex'), OWN.ENTRYWAY_OAUTH_DPOP_SECRET_HEX)
    t.equal(Buffer.from(a.signupRequestKey).toString('hex'), OWN.ENTRYWAY_SIGNUP_REQUEST_KEY_HEX)
    t.same(b.oauthDpopSecret, a.oauthDpopSecret, 'rotation keeps the DPoP key')
    t.same(b.signupRequestKey, a.signupRequestKey, 'rotation keeps the request key')

    const [da, db] = [envToSecrets(env(KEY_A)), envToSecrets(env(KEY_B))]
    t.not(da.adminCookieSecret, db.adminCookieSecret, 'derived cookie key follows the JWT key')
    t.notSame(da.oauthDpopSecret, db.oauthDpopSecret, 'derived DPoP key follows the JWT key')
    t.notSame(da.signupRequestKey, db.signupRequestKey, 'derived request key follows the JWT key')
    t.equal(da.oauthDpopSecret.length, 32)
    t.equal(da.signupRequestKey.length, 32)
  },
)

t.test(
  'the derived DPoP key is the one earlier versions derived (an upgrade changes nothing)',
  async (t) => {
    const keyring = await JwtKeyring.fromHex(KEY_A, [])
    t.same(
      envToSecrets(env(KEY_A)).oauthDpopSecret,
      await keyring.deriveSecret(OAUTH_DPOP_SECRET_LABEL),
    )
  },
)

t.test('bad values are problems naming the variable', async (t) => {
  t.throws(
    () => envToSecrets(env(KEY_A, { ENTRYWAY_OAUTH_DPOP_SECRET_HEX: 'ab'.repeat(33) })),
    /ENTRYWAY_OAUTH_DPOP_SECRET_HEX: must be exactly 32 bytes of hex/,
  )
  t.throws(
    () => envToSecrets(env(KEY_A, { ENTRYWAY_SIGNUP_REQUEST_KEY_HEX: 'zz'.repeat(32) })),
    /ENTRYWAY_SIGNUP_REQUEST_KEY_HEX: must be at least 32 bytes of hex/,
  )
  t.throws(
    () => envToSecrets(env(KEY_A, { ENTRYWAY_SIGNUP_REQUEST_KEY_HEX: 'cd'.repeat(31) })),
    /ENTRYWAY_SIGNUP_REQUEST_KEY_HEX/,
  )
})

const GATEKEEPER_FILE = fileURLToPath(
  new URL('../../../packages/admin-rbac/examples/gatekeeper-rbac.yaml', import.meta.url),
)
const OPERATOR = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz' // pds-admin in that file
/** A signed cookie value as @fastify/cookie writes it (`<value>.<base64 HMAC-SHA256, unpadded>`). */
const sign = (value: string, secret: string) =>
  `${value}.${createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '')}`

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(
  `${target!.name}: after a JWT key rotation the admin cookie and the DPoP nonces still verify`,
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'entryway-rotation-'))
    const rbacFile = join(dir, 'admin_rbac.yaml')
    copyFileSync(GATEKEEPER_FILE, rbacFile)
    const database = await target!.open()
    t.teardown(() => database.close())
    const portal = { ENTRYWAY_ADMIN_RBAC_FILE: rbacFile }
    const before = await startInProcessGateway(t, database, {
      ...portal,
      ...OWN,
      ENTRYWAY_JWT_SIGNING_KEY_HEX: KEY_A,
    })
    const rotated = await startInProcessGateway(t, database, {
      ...portal,
      ...OWN,
      ENTRYWAY_JWT_SIGNING_KEY_HEX: KEY_B,
    })
    const derivedOnly = await startInProcessGateway(t, database, {
      ...portal,
      ENTRYWAY_JWT_SIGNING_KEY_HEX: KEY_B,
    })

    const now = Date.now()
    const id = 'session-id-for-the-rotation-test-0123456789'
    await new KyselyAdminSessionStore(database.db).create({
      id,
      did: OPERATOR,
      csrfToken: 'csrf',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
    })
    // the cookie an operator got before the rotation
    const cookie = `entryway_admin=${sign(id, OWN.ENTRYWAY_ADMIN_COOKIE_SECRET)}`
    const page = (url: string) => fetch(`${url}/admin`, { redirect: 'manual', headers: { cookie } })
    t.equal((await page(before.url)).status, 200, 'signed in before the rotation')
    t.equal((await page(rotated.url)).status, 200, 'still signed in after it')
    const derivedCookie = `entryway_admin=${sign(id, envToSecrets(env(KEY_A)).adminCookieSecret)}`
    const lost = await fetch(`${derivedOnly.url}/admin`, {
      redirect: 'manual',
      headers: { cookie: derivedCookie },
    })
    t.not(
      lost.status,
      200,
      `without the variable, the rotation signs the operator out (${lost.status})`,
    )

    // a nonce issued before the rotation is accepted after it (nonces are HMACs of the DPoP key)
    const issued = await RawClient.create(before.url)
    await issued.par()
    t.ok(issued.nonce, 'a DPoP nonce was issued')
    const parWith = async (url: string) => {
      const client = await RawClient.create(url)
      client.nonce = issued.nonce
      const par = `${url}/oauth/par`
      return client.post(
        '/oauth/par',
        {
          client_id: client.clientId,
          response_type: 'code',
          redirect_uri: client.redirectUri,
          scope: client.scope,
          state: 'rotation',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        },
        await client.proof('POST', par),
      )
    }
    t.equal((await parWith(rotated.url)).status, 201, 'the rotated instance accepts the nonce')
    const refused = await parWith(derivedOnly.url)
    t.equal(refused.json.error, 'use_dpop_nonce', 'a derived DPoP key would have refused it')
  },
)
