import t from 'tap'
import { createAccessToken, AuthScope } from '../src/index.js'
import { bearer, buildTestApp, ENTRYWAY_DID } from './helpers.js'

const get = (env: Awaited<ReturnType<typeof buildTestApp>>, token: string) =>
  env.app.inject({
    method: 'GET',
    url: '/xrpc/com.atproto.server.getSession',
    headers: bearer(token),
  })

t.test(
  'getSession with an access token of any aud, and with PDS service auth: same body',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser({ confirmed: true })
    const s = (await env.login(u.handle, u.password)).json()
    const a = await get(env, s.accessJwt)
    t.equal(a.statusCode, 200)
    t.same(Object.keys(a.json()).sort(), [
      'active',
      'did',
      'didDoc',
      'email',
      'emailAuthFactor',
      'emailConfirmed',
      'handle',
    ])
    const other = await createAccessToken(env.keyring, {
      did: u.did,
      pdsDid: 'did:web:elsewhere.test',
      scope: AuthScope.Access,
    })
    t.same((await get(env, other)).json(), a.json())
    const sa = await get(env, await env.serviceJwt(u, 'com.atproto.server.getSession'))
    t.equal(sa.statusCode, 200)
    t.same(sa.json(), a.json())
  },
)

t.test('service auth: lxm must be exactly the method and in the allow-list', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const noLxm = await get(env, await env.serviceJwt(u, null))
  t.equal(noLxm.statusCode, 401)
  const wrongLxm = await get(env, await env.serviceJwt(u, 'com.atproto.server.listAppPasswords'))
  t.equal(wrongLxm.statusCode, 401)
  const wrongAud = await get(
    env,
    await env.serviceJwt(u, 'com.atproto.server.getSession', 'did:web:pds1.test'),
  )
  t.equal(wrongAud.statusCode, 401)
  // A non-protected lxm that a user can mint at their PDS (getServiceAuth) is refused even on a
  // route whose NSID it names.
  const repo = await env.app.inject({
    method: 'GET',
    url: '/xrpc/com.atproto.temp.checkSignupQueue',
    headers: bearer(await env.serviceJwt(u, 'com.atproto.temp.checkSignupQueue')),
  })
  t.equal(repo.statusCode, 400, 'checkSignupQueue takes only access tokens')
  // a token signed by another key than the DID document's
  const { Secp256k1Keypair } = await import('@atproto/crypto')
  const forged = await env.serviceJwt(
    { ...u, key: await Secp256k1Keypair.create() },
    'com.atproto.server.getSession',
  )
  t.equal((await get(env, forged)).statusCode, 401)
  t.equal(
    (await env.app.inject({ method: 'GET', url: '/xrpc/com.atproto.server.getSession' }))
      .statusCode,
    401,
  )
  void ENTRYWAY_DID
})

t.test('refresh tokens and app-password scopes', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const r = await get(env, s.refreshJwt)
  t.equal(r.statusCode, 401, 'a refresh token is not an access token (nor a service token)')
  t.equal(r.json().error, 'InvalidToken')
  const ap = await createAccessToken(env.keyring, {
    did: u.did,
    pdsDid: 'did:web:p',
    scope: AuthScope.AppPass,
  })
  t.equal((await get(env, ap)).statusCode, 200)
  const td = await createAccessToken(env.keyring, {
    did: u.did,
    pdsDid: 'did:web:p',
    scope: AuthScope.Takendown,
  })
  t.equal((await get(env, td)).json().error, 'InvalidToken')
})

t.test('checkSignupQueue says activated', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const res = await env.app.inject({
    method: 'GET',
    url: '/xrpc/com.atproto.temp.checkSignupQueue',
    headers: bearer(s.accessJwt),
  })
  t.same(res.json(), { activated: true })
})

t.test(
  'service auth with the legacy key format PLC serves (EcdsaSecp256k1VerificationKey2019)',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser()
    const { bytesToMultibase } = await import('@atproto/crypto')
    const { secp256k1 } = await import('@noble/curves/secp256k1')
    const uncompressed = secp256k1.ProjectivePoint.fromHex(u.key.publicKeyBytes()).toRawBytes(false)
    const doc = env.docs.get(u.did)!
    doc.verificationMethod = [
      {
        id: '#atproto',
        type: 'EcdsaSecp256k1VerificationKey2019',
        controller: u.did,
        publicKeyMultibase: bytesToMultibase(uncompressed, 'base58btc'),
      },
    ]
    const res = await get(env, await env.serviceJwt(u, 'com.atproto.server.getSession'))
    t.equal(res.statusCode, 200, JSON.stringify(res.json()))
  },
)
