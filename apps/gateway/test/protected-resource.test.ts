import t from 'tap'
import {
  OAuthAuthorizationServerMetadataResolver,
  OAuthProtectedResourceMetadataResolver,
} from '@atproto/oauth-client-node'
import { abuseGateway } from './abuse/helpers.js'

// Issue #17: a client that starts from the service URL (a user types the provider's name) finds
// the authorization server in the Entryway's own /.well-known/oauth-protected-resource (RFC 9728),
// checked here by @atproto/oauth-client's own resolvers, as an app would run them.

/** The resolvers' cache: none (every get fetches). */
const noCache = { get: async () => undefined, set: async () => {}, del: async () => {} }

t.test('the protected-resource document leads @atproto/oauth-client to the Entryway', async (t) => {
  const g = await abuseGateway(t)
  const res = await fetch(`${g.url}/.well-known/oauth-protected-resource`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/json/)
  const body = (await res.json()) as Record<string, unknown>
  t.same(
    {
      resource: body.resource,
      authorization_servers: body.authorization_servers,
      bearer_methods_supported: body.bearer_methods_supported,
    },
    {
      resource: g.url,
      authorization_servers: [g.url],
      bearer_methods_supported: ['header'],
    },
    'RFC 9728: the public URL, its issuer, bearer tokens in the header',
  )
  t.ok(Array.isArray(body.scopes_supported), 'scopes_supported (empty: as a PDS publishes it)')

  // the client's own checks: resource equals the origin it asked, one authorization server, and
  // the server's metadata (if it lists protected_resources) names the resource
  const prResolver = new OAuthProtectedResourceMetadataResolver(noCache, fetch, {
    allowHttpResource: true,
  })
  const asResolver = new OAuthAuthorizationServerMetadataResolver(noCache, fetch, {
    allowHttpIssuer: true,
  })
  const pr = await prResolver.get(g.url)
  t.match(pr, { resource: g.url, authorization_servers: [g.url] })
  // what OAuthResolver.getResourceServerMetadata then checks (oauth-resolver.js, not exported)
  t.equal(pr?.authorization_servers?.length, 1, 'exactly one authorization server')
  const as = await asResolver.get(pr!.authorization_servers![0]!)
  t.equal(as.issuer, g.url, 'the authorization server found from the service URL')
  t.ok(
    !as.protected_resources || as.protected_resources.includes(pr!.resource),
    `the server protects the resource (protected_resources: ${JSON.stringify(as.protected_resources)})`,
  )
  t.ok(as.pushed_authorization_request_endpoint, 'with its endpoints')

  t.match(
    g.gw.ctx.rateLimits.routes.get('GET /.well-known/oauth-protected-resource'),
    {
      limits: [{ name: 'GLOBAL_IP' }],
    },
    'rate-limited as every route the Entryway serves itself (GLOBAL_IP)',
  )
})
