import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { xrpcErrorHandler } from '@entryway/xrpc'
import {
  AuthScope,
  JwtKeyring,
  createAccessToken,
  verifyAccessToken,
  type DidDocument,
} from '@entryway/session'
import { entrywayProxy, type ProxyOptions } from '../src/index.js'
import { MemoryHostDirectory, type FleetHost } from '../src/host-directory.js'
import { MemoryAccountRoutes } from '../src/account-routes.js'
import { DidDocCache, type DidDocCacheOptions } from '../src/did-doc-cache.js'

export const ENTRYWAY_DID = 'did:web:entryway.test'

export interface Upstream {
  url: string
  server: Server
  hits: number
  close(): Promise<void>
}

/** A real HTTP server on port 0; `handler` answers, every request is counted. */
export async function startUpstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Upstream> {
  const up: Upstream = {
    url: '',
    server: createServer((req, res) => {
      up.hits++
      handler(req, res)
    }),
    hits: 0,
    close: async () => {
      up.server.closeAllConnections()
      await new Promise<void>((r) => up.server.close(() => r()))
    },
  }
  await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', () => r()))
  up.url = `http://127.0.0.1:${(up.server.address() as AddressInfo).port}`
  return up
}

/** Answers `{method, url, headers}` as JSON, plus a couple of response headers clients need. */
export function echo(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'atproto-content-labelers': 'did:plc:labeler',
      'ratelimit-remaining': '2999',
      'keep-alive': 'timeout=5',
    })
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    )
  })
}

export function didDoc(did: string, pdsUrl: string): DidDocument {
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    alsoKnownAs: ['at://someone.test'],
    verificationMethod: [
      {
        id: `${did}#atproto`,
        type: 'Multikey',
        controller: did,
        publicKeyMultibase: 'zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF',
      },
    ],
    service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: pdsUrl }],
  }
}

export function fleetHost(url: string, did: string, extra: Partial<FleetHost> = {}): FleetHost {
  return { url, internalUrl: null, did, status: 'enabled', healthy: true, ...extra }
}

export interface Harness {
  app: FastifyInstance
  keyring: JwtKeyring
  hosts: MemoryHostDirectory
  accounts: MemoryAccountRoutes
  docs: Map<string, DidDocument | null>
  didCache: DidDocCache
  token(did: string, pdsDid?: string): Promise<string>
  clock: { now: number }
}

/**
 * The proxy in a bare Fastify app, with in-memory directory, account rows and a DID cache over a
 * map (`docs`). Tests change `docs`/`hosts` and the clock as they go.
 */
export async function buildHarness(
  t: { teardown(fn: () => unknown): void },
  opts: {
    hosts?: FleetHost[]
    overrides?: Partial<ProxyOptions>
    /** Options of the DID cache besides its fetch and clock. */
    didCache?: Partial<DidDocCacheOptions>
    listen?: boolean
    setup?: (app: FastifyInstance) => void
  } = {},
): Promise<Harness> {
  const { keyring } = await JwtKeyring.generate()
  const clock = { now: Date.now() }
  const hosts = new MemoryHostDirectory(opts.hosts ?? [])
  const accounts = new MemoryAccountRoutes()
  const docs = new Map<string, DidDocument | null>()
  const didCache = new DidDocCache({
    fetch: async (did) => {
      if (!docs.has(did)) return null
      const d = docs.get(did)
      return d ? structuredClone(d) : null
    },
    now: () => clock.now,
    ...opts.didCache,
  })
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  opts.setup?.(app)
  await app.register(entrywayProxy, {
    hosts,
    accounts,
    didResolver: didCache,
    verifyAccessToken: (tok) => verifyAccessToken(keyring, tok),
    entrywayDid: ENTRYWAY_DID,
    now: () => clock.now,
    ...opts.overrides,
  })
  if (opts.listen) await app.listen({ port: 0, host: '127.0.0.1' })
  else await app.ready()
  t.teardown(() => app.close())
  return {
    app,
    keyring,
    hosts,
    accounts,
    docs,
    didCache,
    clock,
    token: (did, pdsDid = 'did:web:pds.test') =>
      createAccessToken(keyring, { did, pdsDid, scope: AuthScope.Access }),
  }
}

/** Polls `cond` every 10 ms until true, failing after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export function appUrl(app: FastifyInstance): string {
  const a = app.server.address() as AddressInfo
  return `http://127.0.0.1:${a.port}`
}
