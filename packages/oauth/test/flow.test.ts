import { get as httpGet } from 'node:http'
import t from 'tap'
import * as jose from 'jose'
import { startAs, PDS_DID } from './helpers.js'
import { RawClient, headlessAuthorize } from './raw-client.js'

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.test',
  email: 'alice@mail.test',
  emailConfirmed: true,
  pdsDid: PDS_DID,
  deactivated: false,
  password: 'alice-pass',
  emailAuthFactor: false,
}
const BOB = {
  ...ALICE,
  did: 'did:plc:bob00000000000000000000',
  handle: 'bob.test',
  email: 'bob@mail.test',
  password: 'bob-pass',
  emailAuthFactor: true,
}

async function signedIn(t: Tap.Test, overrides = {}) {
  const as = await startAs(t, overrides)
  as.accounts.add(ALICE)
  as.accounts.add(BOB)
  const client = await RawClient.create(as.url)
  return { as, client }
}

async function authorize(as: { url: string }, client: RawClient, user = ALICE) {
  const { requestUri, verifier, state } = await client.par()
  const r = await headlessAuthorize(as.url, client.authorizeUrl(requestUri), {
    username: user.handle,
    password: user.password,
  })
  return { ...r, verifier, sentState: state, requestUri }
}

t.test('code flow: the access token has the shape every PDS verifies', async (t) => {
  const { as, client } = await signedIn(t)
  const r = await authorize(as, client)
  t.ok(r.code, 'got a code')
  t.equal(r.state, r.sentState)
  t.equal(r.iss, as.url)
  const tok = await client.exchange(r.code!, r.verifier)
  t.equal(tok.status, 200)
  t.equal(tok.json.token_type, 'DPoP')
  t.equal(tok.json.sub, ALICE.did)
  t.ok(tok.json.refresh_token)
  const header = jose.decodeProtectedHeader(tok.json.access_token)
  t.same(header, { alg: 'ES256K', typ: 'at+jwt' }, 'ES256K, at+jwt, no kid')
  // Verify as the PDS does: the entryway public key, no kid, typ at+jwt, issuer, audience.
  const { d: _d, ...pub } = as.jwk
  const key = await jose.importJWK(pub as unknown as jose.JWK, 'ES256K')
  const { payload } = await jose.jwtVerify(tok.json.access_token, key, {
    typ: 'at+jwt',
    issuer: as.url,
    audience: PDS_DID,
  })
  t.match(payload.jti, /^tok-[0-9a-f]{32}$/)
  t.equal(payload.sub, ALICE.did)
  t.equal(payload.scope, 'atproto transition:generic')
  t.equal(payload.client_id, client.clientId)
  t.match(payload.cnf, { jkt: /^[A-Za-z0-9_-]{43}$/ })
  t.ok((payload.exp as number) - (payload.iat as number) <= 15 * 60)
})

t.test('refresh rotates; a used refresh token and a revoked session stop working', async (t) => {
  const { as, client } = await signedIn(t)
  const r = await authorize(as, client)
  const first = await client.exchange(r.code!, r.verifier)
  const second = await client.refresh(first.json.refresh_token)
  t.equal(second.status, 200, 'refresh works')
  t.not(second.json.refresh_token, first.json.refresh_token)
  const replay = await client.refresh(first.json.refresh_token)
  t.equal(replay.status, 400, 'a rotated-out refresh token is refused')
  t.equal(replay.json.error, 'invalid_grant')
  // the replay revoked the whole session (refresh token reuse detection)
  const after = await client.refresh(second.json.refresh_token)
  t.equal(after.status, 400)

  const r2 = await authorize(as, client)
  const s2 = await client.exchange(r2.code!, r2.verifier)
  t.equal(s2.status, 200)
  const rev = await client.revoke(s2.json.refresh_token)
  t.equal(rev.status, 200)
  const denied = await client.refresh(s2.json.refresh_token)
  t.equal(denied.status, 400, 'revoked at the Entryway: the next refresh fails')
  t.equal(denied.json.error, 'invalid_grant')
})

t.test('revokeAccountSessions (password change, deletion) stops refreshes at once', async (t) => {
  const { as, client } = await signedIn(t)
  const r = await authorize(as, client)
  const s = await client.exchange(r.code!, r.verifier)
  await as.app.entrywayOAuth.revokeAccountSessions(ALICE.did)
  const denied = await client.refresh(s.json.refresh_token)
  t.equal(denied.status, 400)
  const r2 = await authorize(as, client)
  const s2 = await client.exchange(r2.code!, r2.verifier)
  as.accounts.remove(ALICE.did)
  const gone = await client.refresh(s2.json.refresh_token)
  t.equal(gone.status, 400, 'a deleted account cannot refresh')
})

t.test('wrong PKCE verifier is invalid_grant', async (t) => {
  const { as, client } = await signedIn(t)
  const r = await authorize(as, client)
  const bad = await client.exchange(r.code!, 'x'.repeat(43))
  t.equal(bad.status, 400)
  t.equal(bad.json.error, 'invalid_grant')
  t.notOk(bad.json.access_token)
})

t.test('a replayed DPoP proof is refused', async (t) => {
  const { as, client } = await signedIn(t)
  const r = await authorize(as, client)
  // client.nonce is current after PAR: build one proof and use it twice
  const proof = await client.proof('POST', `${as.url}/oauth/token`)
  const ok = await client.post(
    '/oauth/token',
    {
      grant_type: 'authorization_code',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      code: r.code!,
      code_verifier: r.verifier,
    },
    proof,
  )
  t.equal(ok.status, 200)
  const again = await client.post(
    '/oauth/token',
    {
      grant_type: 'refresh_token',
      client_id: client.clientId,
      refresh_token: ok.json.refresh_token,
    },
    proof,
  )
  t.equal(again.status, 401)
  t.equal(again.json.error, 'invalid_dpop_proof')
  t.match(again.json.error_description, /replay/i)
})

t.test('an expired authorization request cannot be completed', async (t) => {
  const { as, client } = await signedIn(t)
  const { requestUri, state } = await client.par()
  const id = requestUri.split(':').pop()! as `req-${string}`
  await as.stores.requests.updateRequest(id, { expiresAt: new Date(Date.now() - 1000) })
  // The browser's first step, the authorize page, sends the user straight back to the client
  // with the OAuth error (RFC 6749 §4.1.2.1) instead of a sign-in page.
  const res = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
    httpGet(
      client.authorizeUrl(requestUri),
      {
        headers: {
          'sec-fetch-mode': 'navigate',
          'sec-fetch-dest': 'document',
          'sec-fetch-site': 'cross-site',
        },
      },
      (r) => {
        r.resume()
        resolve({ status: r.statusCode, location: r.headers.location })
      },
    ).on('error', reject)
  })
  t.equal(res.status, 303, 'redirected back to the client')
  const back = new URL(res.location ?? 'http://invalid/')
  t.equal(back.searchParams.get('error'), 'access_denied')
  t.match(back.searchParams.get('error_description'), /expired/)
  t.equal(back.searchParams.get('state'), state)
  t.equal(back.searchParams.get('iss'), as.url)
  t.notOk(back.searchParams.has('code'), 'no code for an expired request')
})

t.test('email 2FA: sign-in needs the mailed code', async (t) => {
  const { as, client } = await signedIn(t)
  const creds = { username: BOB.handle, password: BOB.password }
  const first = await client.par()
  const noCode = await headlessAuthorize(as.url, client.authorizeUrl(first.requestUri), creds)
  t.equal(noCode.error, 'second_authentication_factor_required')
  t.equal(as.mails.length, 1)
  t.equal(as.mails[0]!.to, BOB.email)
  const second = await client.par()
  const wrong = await headlessAuthorize(as.url, client.authorizeUrl(second.requestUri), {
    ...creds,
    emailOtp: () => (as.mails.at(-1)!.code === '000000' ? '111111' : '000000'),
  })
  t.notOk(wrong.code, 'a wrong code is refused')
  const third = await client.par()
  const withCode = await headlessAuthorize(as.url, client.authorizeUrl(third.requestUri), {
    ...creds,
    emailOtp: () => as.mails.at(-1)!.code,
  })
  t.ok(withCode.code, 'signed in with the code')
  const tok = await client.exchange(withCode.code!, third.verifier)
  t.equal(tok.json.sub, BOB.did)
})

t.test('long scopes travel as ref: and dereference at the Entryway', async (t) => {
  const { as, client } = await signedIn(t, { scopeRefMinLength: 0 })
  const r = await authorize(as, client)
  const tok = await client.exchange(r.code!, r.verifier)
  t.equal(tok.json.scope, 'atproto transition:generic', 'the client sees the real scope')
  const payload = jose.decodeJwt(tok.json.access_token)
  t.match(payload.scope, /^ref:b[a-z2-7]+$/)
  const res = await fetch(`${as.url}/xrpc/com.atproto.temp.dereferenceScope?scope=${payload.scope}`)
  t.same(await res.json(), { scope: 'atproto transition:generic' })
})
