import { generateKeyPairSync, randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test as TapTest } from 'tap'
import { xrpcErrorHandler } from '@entryway/xrpc'
import {
  entrywayOAuth,
  createMemoryOAuthStores,
  MemoryAccountBackend,
  type OAuthPluginOptions,
  type OAuthStores,
} from '../src/index.js'

export const PDS_DID = 'did:web:pds1.test'

export function secp256k1Jwk(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
  return privateKey.export({ format: 'jwk' })
}

export interface TestAs {
  app: FastifyInstance
  url: string
  accounts: MemoryAccountBackend
  stores: OAuthStores
  mails: Array<{ to: string; code: string }>
  jwk: Record<string, unknown>
}

/** A listening Fastify with the plugin on memory stores; closed on teardown. */
export async function startAs(
  t: Tap.Test,
  overrides: Partial<OAuthPluginOptions> = {},
  listen = true,
): Promise<TestAs> {
  const mails: Array<{ to: string; code: string }> = []
  const accounts = new MemoryAccountBackend((to, code) => mails.push({ to, code }))
  const stores = overrides.stores ?? createMemoryOAuthStores()
  const jwk = secp256k1Jwk()
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  // The issuer must be known before listening: take a port first.
  const probe = Fastify()
  await probe.listen({ port: 0, host: '127.0.0.1' })
  const port = (probe.server.address() as { port: number }).port
  await probe.close()
  const url = `http://localhost:${port}`
  await app.register(entrywayOAuth, {
    issuer: url,
    serviceName: 'Lab Entryway',
    signingKey: { privateJwk: jwk },
    dpopSecret: randomBytes(32),
    accounts,
    stores,
    ...overrides,
  })
  if (listen) await app.listen({ port, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return { app, url, accounts, stores, mails, jwk }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Tap {
    type Test = TapTest
  }
}
