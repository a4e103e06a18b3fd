import t from 'tap'
import { startAs } from './helpers.js'

t.test('serves the authorization server metadata for the issuer', async (t) => {
  const as = await startAs(t, {}, false)
  const res = await as.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })
  t.equal(res.statusCode, 200)
  const m = res.json()
  t.equal(m.issuer, as.url)
  t.equal(m.pushed_authorization_request_endpoint, `${as.url}/oauth/par`)
  t.equal(m.token_endpoint, `${as.url}/oauth/token`)
  t.equal(m.require_pushed_authorization_requests, true)
  t.same(m.code_challenge_methods_supported, ['S256'])
  t.ok(m.dpop_signing_alg_values_supported.includes('ES256'))
  t.equal(m.client_id_metadata_document_supported, true)
  t.equal(res.headers['access-control-allow-origin'], '*')
})

t.test('jwks publishes no private part', async (t) => {
  const as = await startAs(t, {}, false)
  const res = await as.app.inject({ method: 'GET', url: '/oauth/jwks' })
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, /"d"/)
})

t.test(
  'dereferenceScope: unknown and malformed references are InvalidScopeReference',
  async (t) => {
    const as = await startAs(t, {}, false)
    await as.stores.scopeRefs.putScope('bafkqknown', 'atproto transition:generic')
    const ok = await as.app.inject({
      method: 'GET',
      url: '/xrpc/com.atproto.temp.dereferenceScope?scope=ref:bafkqknown',
    })
    t.equal(ok.statusCode, 200)
    t.same(ok.json(), { scope: 'atproto transition:generic' })
    const unknown = await as.app.inject({
      method: 'GET',
      url: '/xrpc/com.atproto.temp.dereferenceScope?scope=ref:bafkqnope',
    })
    t.equal(unknown.statusCode, 400)
    t.equal(unknown.json().error, 'InvalidScopeReference')
    const plain = await as.app.inject({
      method: 'GET',
      url: '/xrpc/com.atproto.temp.dereferenceScope?scope=atproto',
    })
    t.equal(plain.json().error, 'InvalidScopeReference')
    const missing = await as.app.inject({
      method: 'GET',
      url: '/xrpc/com.atproto.temp.dereferenceScope',
    })
    t.equal(missing.statusCode, 400)
    t.equal(missing.json().error, 'InvalidRequest')
  },
)

t.test('unknown provider paths answer 404 in OAuth error format', async (t) => {
  const as = await startAs(t, {}, false)
  const res = await as.app.inject({ method: 'GET', url: '/oauth/nope' })
  t.equal(res.statusCode, 404)
})

t.test('PAR: an unknown (unfetchable) client is invalid_client', async (t) => {
  const as = await startAs(
    t,
    { safeFetch: async () => new Response('nope', { status: 404 }) },
    false,
  )
  const res = await as.app.inject({
    method: 'POST',
    url: '/oauth/par',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      client_id: 'https://unknown-client.example/client-metadata.json',
      response_type: 'code',
      redirect_uri: 'https://unknown-client.example/cb',
      scope: 'atproto',
      state: 'x',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString(),
  })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'invalid_client_id')
})

t.test('PAR: a redirect URI not in the (loopback) client metadata is rejected', async (t) => {
  const as = await startAs(t, {}, false)
  const clientId = `http://localhost?redirect_uri=${encodeURIComponent('http://127.0.0.1:4000/cb')}&scope=${encodeURIComponent('atproto transition:generic')}`
  const res = await as.app.inject({
    method: 'POST',
    url: '/oauth/par',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:4000/evil',
      scope: 'atproto transition:generic',
      state: 'x',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString(),
  })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { error: 'invalid_request', error_description: /redirect/i })
})
