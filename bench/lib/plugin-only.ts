// The proxy plugin alone in a bare Fastify app (no gateway-wide hooks), in front of ORIGIN_URL:
// in-memory directory and account rows, a DID cache over one document, the real token verifier.
// Splits "proxy plugin" CPU from "everything the gateway adds" in the bench. With
// PLUGIN_ONLY_METRICS=1 the metrics plugin is registered too (its global hooks, as in the gateway).
// Prints {"port", "token"} when ready.
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import type fastify from 'fastify'
import { xrpcErrorHandler } from '../../packages/xrpc/src/index.js'
import {
  AuthScope,
  JwtKeyring,
  createAccessToken,
  verifyAccessToken,
} from '../../packages/session/src/index.js'
import {
  DidDocCache,
  MemoryAccountRoutes,
  MemoryHostDirectory,
  entrywayProxy,
} from '../../packages/proxy/src/index.js'
import { entrywayMetrics } from '../../packages/metrics/src/index.js'

const require = createRequire(new URL('../../packages/proxy/package.json', import.meta.url))
const Fastify = require('fastify') as typeof fastify

const origin = process.env.ORIGIN_URL!
const did = 'did:plc:benchbenchbenchbenchbenc'
const hostDid = 'did:web:origin.bench'
const doc = {
  '@context': ['https://www.w3.org/ns/did/v1'],
  id: did,
  alsoKnownAs: ['at://bench.test'],
  verificationMethod: [
    {
      id: `${did}#atproto`,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: 'zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF',
    },
  ],
  service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: origin }],
}
const { keyring } = await JwtKeyring.generate()
const accounts = new MemoryAccountRoutes()
accounts.set(did, origin, 'bench.test')
const app = Fastify({ logger: false })
await app.register(xrpcErrorHandler)
let reporter = undefined
if (process.env.PLUGIN_ONLY_METRICS === '1') {
  await app.register(entrywayMetrics, {})
  reporter = app.entrywayMetrics
}
await app.register(entrywayProxy, {
  hosts: new MemoryHostDirectory([
    { url: origin, internalUrl: null, did: hostDid, status: 'enabled', healthy: true },
  ]),
  accounts,
  didResolver: new DidDocCache({ fetch: async (d) => (d === did ? structuredClone(doc) : null) }),
  verifyAccessToken: (tok) => verifyAccessToken(keyring, tok),
  entrywayDid: 'did:web:entryway.bench',
  ...(reporter ? { metrics: reporter } : {}),
})
await app.listen({ port: 0, host: '127.0.0.1' })
const token = await createAccessToken(keyring, { did, pdsDid: hostDid, scope: AuthScope.Access })
console.log(JSON.stringify({ port: (app.server.address() as AddressInfo).port, token, did }))
