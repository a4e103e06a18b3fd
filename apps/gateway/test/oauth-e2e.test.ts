import t, { type Test } from 'tap'
import { fileURLToPath } from 'node:url'
import {
  JoseKey,
  OAuthResolverError,
  OAuthResponseError,
  TokenRefreshError,
  type OAuthSession,
} from '@atproto/oauth-client-node'
import type { Page } from 'playwright-core'
import { startFleet, mailbox } from '@entryway/testkit'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'
import {
  CODE_PATTERN,
  UI_TIMEOUT_MS,
  createOAuthClient,
  jwtPayload,
  launchChromium,
  revokeAppInAccountPage,
  signInAndConsent,
  startCallbackServer,
  xrpc,
} from './oauth-e2e-helpers.js'

// The OAuth issue's "done when": a real @atproto/oauth-client-node client (loopback client id) and
// Debian's Chromium sign fleet users on two real PDSes in at the Entryway; the client writes to
// the user's PDS with DPoP; refresh works; revoke, password reset and an admin password change at
// the Entryway make the next refresh fail; email 2FA asks for the code from the mail sink.

/** `E2E_SCREENSHOTS=1` refreshes the committed screenshots of the pages (left alone otherwise). */
const SHOTS =
  process.env.E2E_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('./screenshots/', import.meta.url))
    : null
const SERVICE_NAME = 'Entryway E2E'
/** Long enough (≥ 256) that access tokens carry `ref:<hash>`, which each PDS must dereference. */
const SCOPE = [
  'atproto',
  'transition:generic',
  ...Array.from({ length: 8 }, (_, i) => `repo:com.example.entryway.e2e.collection${i}`),
].join(' ')

interface User {
  did: string
  handle: string
  email: string
  password: string
  accessJwt: string
}

t.test('fleet OAuth with a real client and a real browser', async (t) => {
  const fleet = await startFleet({
    pdsCount: 2,
    gateway: false,
    gatewayEnv: { ENTRYWAY_SERVICE_NAME: SERVICE_NAME },
  })
  t.teardown(() => fleet.stop())
  const env = readEnv(fleet.gatewayEnv)
  const cfg = envToCfg(env)
  const { app, database } = await buildGateway(cfg, envToSecrets(env), {
    logger: process.env.E2E_LOG === '1',
  })
  t.teardown(() => app.close())
  // What the PDSes ask the Entryway: proves they dereference `ref:` scopes here.
  const derefs: string[] = []
  app.server.on('request', (req) => {
    if (req.url?.startsWith('/xrpc/com.atproto.temp.dereferenceScope')) derefs.push(req.url)
  })
  await app.listen({ port: fleet.entryway.port, host: cfg.service.host })
  const E = fleet.entryway.url
  const mail = mailbox(fleet.mail!.httpUrl)
  const basicAdmin = `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`

  async function mailedCode(to: string, subject: RegExp): Promise<string> {
    const m = await mail.waitFor({ to, subject, timeoutMs: UI_TIMEOUT_MS })
    const code = m.text.match(CODE_PATTERN)?.[0]
    if (!code) throw new Error(`no code in the mail to ${to}`)
    return code
  }

  let n = 0
  async function createAccount(name: string): Promise<User> {
    const handle = `${name}${Date.now().toString(36)}${n++}.test`
    const user = { handle, email: `${name}-${n}@mail.test`, password: `pw-${handle}` }
    const res = await xrpc(E, 'com.atproto.server.createAccount', { body: user })
    if (res.status !== 200)
      throw new Error(`createAccount at the Entryway: ${res.status} ${JSON.stringify(res.body)}`)
    return { ...user, did: res.body.did, accessJwt: res.body.accessJwt }
  }
  async function hostOf(did: string): Promise<{ url: string; did: string }> {
    return database.db
      .selectFrom('account')
      .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
      .select(['pds_host.url', 'pds_host.did'])
      .where('account.did', '=', did)
      .executeTakeFirstOrThrow()
  }

  // Placement spreads accounts over the least-loaded host: one user on each PDS.
  const alice = await createAccount('alice')
  const bob = await createAccount('bob')
  const aliceHost = await hostOf(alice.did)
  const bobHost = await hostOf(bob.did)
  t.not(aliceHost.url, bobHost.url, 'the two users live on different PDSes')
  t.same(new Set([aliceHost.url, bobHost.url]), new Set(fleet.pds.map((p) => p.url)))

  // Bob turns email 2FA on through the Entryway's session routes (confirm, then update).
  const bearer = `Bearer ${bob.accessJwt}`
  t.equal(
    (await xrpc(E, 'com.atproto.server.requestEmailConfirmation', { auth: bearer, body: {} }))
      .status,
    200,
  )
  const confirm = await mailedCode(bob.email, /Confirm your email/)
  t.equal(
    (
      await xrpc(E, 'com.atproto.server.confirmEmail', {
        auth: bearer,
        body: { email: bob.email, token: confirm },
      })
    ).status,
    200,
  )
  t.equal(
    (await xrpc(E, 'com.atproto.server.requestEmailUpdate', { auth: bearer, body: {} })).status,
    200,
  )
  const update = await mailedCode(bob.email, /Change your email/)
  const on = await xrpc(E, 'com.atproto.server.updateEmail', {
    auth: bearer,
    body: { email: bob.email, emailAuthFactor: true, token: update },
  })
  t.equal(on.status, 200, 'email 2FA on')

  const cb = await startCallbackServer(t)
  const { client, sessions } = createOAuthClient({
    entrywayUrl: E,
    plcUrl: fleet.plc.url,
    redirectUri: cb.url,
    scope: SCOPE,
  })
  const browser = await launchChromium(t)

  /** Handle → DID → PDS → the PDS's authorization server (the Entryway) → Chromium → callback. */
  async function signIn(
    t: Test,
    user: User,
    o: {
      twoFactor?: boolean
      shots?: string
      password?: string
      remember?: boolean
      then?: (page: Page) => Promise<void>
    } = {},
  ): Promise<OAuthSession> {
    const authorizeUrl = await client.authorize(user.handle, { scope: SCOPE })
    t.equal(authorizeUrl.origin, E, 'the client found the Entryway as the authorization server')
    const context = await browser.newContext({ viewport: { width: 900, height: 760 } })
    try {
      const page = await context.newPage()
      page.setDefaultTimeout(UI_TIMEOUT_MS)
      const callback = cb.next()
      callback.catch(() => {}) // awaited below; a UI failure must not leave it unhandled
      await signInAndConsent(page, {
        authorizeUrl: authorizeUrl.href,
        password: o.password ?? user.password,
        serviceName: SERVICE_NAME,
        remember: o.remember,
        emailCode: o.twoFactor ? () => mailedCode(user.email, /sign-in code/i) : undefined,
        onPage: async (name) => {
          if (SHOTS && o.shots) await page.screenshot({ path: `${SHOTS}${o.shots}-${name}.png` })
        },
      })
      const { session } = await client.callback(await callback)
      await o.then?.(page)
      return session
    } finally {
      await context.close()
    }
  }

  async function createRecord(
    session: OAuthSession,
    text: string,
  ): Promise<{ status: number; body: Record<string, any> }> {
    const res = await session.fetchHandler('/xrpc/com.atproto.repo.createRecord', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        repo: session.did,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() },
      }),
    })
    return { status: res.status, body: (await res.json()) as Record<string, any> }
  }

  /** One refresh straight at the Entryway's token endpoint, DPoP-signed with the session's key. */
  async function refreshAtEntryway(did: string): Promise<unknown> {
    const saved = sessions.get(did)
    if (!saved) throw new Error(`no stored session for ${did}`)
    const server = await client.serverFactory.fromIssuer(
      saved.tokenSet.iss,
      saved.authMethod,
      await JoseKey.fromJWK(saved.dpopJwk),
    )
    return server
      .request('token', {
        grant_type: 'refresh_token',
        refresh_token: saved.tokenSet.refresh_token!,
      })
      .then(
        () => null,
        (e: unknown) => e,
      )
  }

  /** The Entryway refuses the session's refresh token, and the client's next refresh fails. */
  async function refreshFails(
    t: Test,
    did: string,
    why: string,
    o: { clientError?: new (...args: never[]) => Error } = {},
  ): Promise<void> {
    const raw = await refreshAtEntryway(did)
    t.type(raw, OAuthResponseError, `${why}: the Entryway refuses the refresh`)
    t.match(raw, { status: 400, error: 'invalid_grant' })
    const err = await client.restore(did, true).then(
      () => null,
      (e: unknown) => e,
    )
    t.type(err, o.clientError ?? TokenRefreshError, `${why}: the client's next refresh fails`)
  }

  t.test('a user on the first PDS: sign in, write with DPoP, refresh, revoke', async (t) => {
    const session = await signIn(t, alice, { shots: 'e2e' })
    t.equal(session.did, alice.did)
    const stored = sessions.get(alice.did)!
    const claims = jwtPayload(stored.tokenSet.access_token)
    t.equal(claims.iss, E)
    t.equal(claims.aud, aliceHost.did, 'aud is the PDS holding the account')
    t.match(claims.scope, /^ref:/, 'the long scope travels as a reference')
    t.equal(stored.tokenSet.token_type, 'DPoP')
    t.equal(
      new URL(stored.tokenSet.aud).origin,
      new URL(aliceHost.url).origin,
      'the client talks to the PDS directly',
    )

    const before = derefs.length
    const post = await createRecord(session, 'written with an Entryway OAuth token')
    t.equal(post.status, 200, `createRecord on the PDS: ${JSON.stringify(post.body)}`)
    t.match(post.body.uri, new RegExp(`^at://${alice.did}/app.bsky.feed.post/`))
    t.ok(derefs.length > before, 'the PDS dereferenced the scope at the Entryway')
    const rec = await xrpc(aliceHost.url, 'com.atproto.repo.getRecord', {
      query: {
        repo: alice.did,
        collection: 'app.bsky.feed.post',
        rkey: post.body.uri.split('/').pop(),
      },
    })
    t.equal(
      rec.body.value?.text,
      'written with an Entryway OAuth token',
      'the record is on the PDS',
    )

    const info = await session.getTokenInfo(true)
    t.equal(info.sub, alice.did, 'refresh works')
    const refreshed = sessions.get(alice.did)!
    t.not(
      refreshed.tokenSet.refresh_token,
      stored.tokenSet.refresh_token,
      'the refresh token rotated',
    )
    t.not(refreshed.tokenSet.access_token, stored.tokenSet.access_token)
    t.equal(
      (await createRecord(session, 'after refresh')).status,
      200,
      'the refreshed token writes too',
    )

    // The client revokes at the Entryway's /oauth/revoke (DPoP-signed), and forgets the session;
    // put its copy back to try one more refresh.
    const copy = structuredClone(sessions.get(alice.did)!)
    await client.revoke(alice.did)
    sessions.set(alice.did, copy)
    await refreshFails(t, alice.did, 'revoked at the Entryway')
  })

  t.test(
    'a user with email 2FA on the second PDS; a password reset ends the session',
    async (t) => {
      await mail.clear()
      const session = await signIn(t, bob, { twoFactor: true, shots: 'e2e-2fa' })
      t.equal(session.did, bob.did, 'signed in with the mailed code')
      t.equal(jwtPayload(sessions.get(bob.did)!.tokenSet.access_token).aud, bobHost.did)
      const post = await createRecord(session, 'bob, from the second PDS')
      t.equal(post.status, 200, `createRecord on the second PDS: ${JSON.stringify(post.body)}`)
      t.equal(new URL(sessions.get(bob.did)!.tokenSet.aud).origin, new URL(bobHost.url).origin)
      t.equal((await session.getTokenInfo(true)).sub, bob.did, 'refresh works')

      t.equal(
        (await xrpc(E, 'com.atproto.server.requestPasswordReset', { body: { email: bob.email } }))
          .status,
        200,
      )
      const token = await mailedCode(bob.email, /Reset your password/)
      t.equal(
        (
          await xrpc(E, 'com.atproto.server.resetPassword', {
            body: { token, password: 'a-new-password' },
          })
        ).status,
        200,
      )
      await refreshFails(t, bob.did, 'password reset')
    },
  )

  t.test('revoking the app on the account page ends the session', async (t) => {
    let revoked = false
    const session = await signIn(t, alice, {
      remember: true,
      then: async (page) => {
        t.equal((await client.restore(alice.did, true)).did, alice.did, 'a fresh session refreshes')
        await revokeAppInAccountPage(page, {
          entrywayUrl: E,
          handle: alice.handle,
          onPage: async () => {
            if (SHOTS) await page.screenshot({ path: `${SHOTS}e2e-account-revoke.png` })
          },
        })
        revoked = true
      },
    })
    t.ok(revoked)
    t.equal(session.did, alice.did)
    await refreshFails(t, alice.did, 'revoked on the account page')
  })

  t.test('an admin password change ends the session', async (t) => {
    const session = await signIn(t, alice)
    t.equal((await session.getTokenInfo(true)).sub, alice.did, 'a fresh session refreshes')
    const res = await xrpc(E, 'com.atproto.admin.updateAccountPassword', {
      auth: basicAdmin,
      body: { did: alice.did, password: 'set-by-admin' },
    })
    t.equal(res.status, 200)
    await refreshFails(t, alice.did, 'admin password change')
  })

  t.test('deleting the account ends the session', async (t) => {
    const password = 'set-by-admin'
    const session = await signIn(t, alice, { password })
    t.equal((await session.getTokenInfo(true)).sub, alice.did, 'a fresh session refreshes')
    const legacy = await xrpc(E, 'com.atproto.server.createSession', {
      body: { identifier: alice.handle, password },
    })
    t.equal(legacy.status, 200)
    await mail.clear()
    t.equal(
      (
        await xrpc(E, 'com.atproto.server.requestAccountDelete', {
          auth: `Bearer ${legacy.body.accessJwt}`,
          body: {},
        })
      ).status,
      200,
    )
    const token = await mailedCode(alice.email, /delet/i)
    const del = await xrpc(E, 'com.atproto.server.deleteAccount', {
      body: { did: alice.did, password, token },
    })
    t.equal(del.status, 200, `deleteAccount ${JSON.stringify(del.body)}`)
    // The client stops earlier (the DID is tombstoned on PLC); the Entryway refuses too.
    await refreshFails(t, alice.did, 'account deleted', { clientError: OAuthResolverError })
  })
})
