import {
  NodeOAuthClient,
  requestLocalLock,
  type NodeSavedSession,
  type NodeSavedState,
  type NodeSavedStateStore,
} from '@atproto/oauth-client-node'
import { safeFetchWrap } from '@atproto-labs/fetch-node'
import { boundedCache, serializedSize, type BoundedCache, type CacheBounds } from '@entryway/xrpc'
import { AdminLoginError, type AdminLogin } from './admin-login.js'
import { DEFAULT_PREFIX } from './options.js'

/** Pending authorizations (PKCE verifier, DPoP key) are dropped after this. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000
/** Under the portal's prefix. */
/** Pending sign-ins held in memory when no `stateStore` is given (anyone may start one). */
export const DEFAULT_MEMORY_STATE_BOUNDS: CacheBounds = Object.freeze({
  maxEntries: 10_000,
  maxBytes: 8 * 1024 * 1024,
})
export const CALLBACK_PATH = '/oauth/callback'
export const CLIENT_METADATA_PATH = '/oauth/client-metadata.json'

export interface OAuthAdminLoginOptions {
  /** The Entryway's public origin; the OAuth client lives under it. */
  publicUrl: string
  /** Where handles are resolved (`com.atproto.identity.resolveHandle`): the Entryway itself. */
  handleResolver: string
  /** PLC directory for did:plc documents. */
  plcDirectoryUrl: string
  /**
   * Where pending authorizations wait for their callback. @default in memory (one instance: a
   * callback must reach the instance that started the login; share a store across instances).
   */
  stateStore?: NodeSavedStateStore
  /**
   * Bounds of the in-memory pending sign-ins (and of the short-lived sessions, always in memory);
   * the oldest are dropped first. @default { maxEntries: 10000, maxBytes: 8388608 }
   */
  memoryStateBounds?: CacheBounds
  /** @default 'Entryway admin' */
  clientName?: string
  /** The portal's `prefix` (the callback and client metadata live under it). @default '/admin' */
  prefix?: string
  /**
   * Fetch every URL plainly, private addresses included. Only on a plain-http loopback
   * `publicUrl` (the lab), where the members' PDSes themselves live on loopback.
   * @default true on a plain-http loopback publicUrl, false otherwise
   */
  insecureFetch?: boolean
}

class TtlStore<V extends object> {
  private readonly m: BoundedCache<string, { v: V; exp: number }>
  constructor(
    private readonly ttlMs: number,
    bounds: CacheBounds,
  ) {
    this.m = boundedCache(bounds, (e) => serializedSize(e.v) + 16)
  }
  async get(k: string): Promise<V | undefined> {
    const e = this.m.get(k)
    if (!e) return undefined
    if (e.exp < Date.now()) {
      this.m.delete(k)
      return undefined
    }
    return e.v
  }
  async set(k: string, v: V): Promise<void> {
    this.m.set(k, { v, exp: Date.now() + this.ttlMs })
  }
  get size(): number {
    return this.m.size
  }
  async del(k: string): Promise<void> {
    this.m.delete(k)
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

type Fetch = typeof globalThis.fetch

function originOf(input: string | URL | Request): string | null {
  try {
    return new URL(typeof input === 'string' || input instanceof URL ? input : input.url).origin
  } catch {
    return null
  }
}

/**
 * What the OAuth client fetches with. A sign-in makes the Entryway fetch URLs the identifier's
 * owner chose (a did:web document, the PDS's resource metadata, the authorization server's
 * metadata), so those go through atproto's SSRF-safe fetch: https on the default port only,
 * unicast public addresses only (checked again at connect time and on every redirect), 10 s,
 * 512 kB. The operator's own services (the handle resolver, the PLC directory) may sit on a
 * private network and are fetched plainly.
 */
function loginFetch(trustedOrigins: ReadonlySet<string>): Fetch {
  const safe: Fetch = safeFetchWrap<unknown>({ allowImplicitRedirect: true })
  return (input, init) =>
    trustedOrigins.has(originOf(input) ?? '') ? globalThis.fetch(input, init) : safe(input, init)
}

/**
 * Sign-in through atproto OAuth (PKCE + DPoP, PAR) with `@atproto/oauth-client-node`, against the
 * authorization server the member's PDS names: for fleet accounts, the Entryway. Only the DID is
 * kept: the OAuth session is revoked right after the callback, the portal runs its own session.
 * On plain-http loopback it is a loopback client (`http://localhost?redirect_uri=…`, redirect to
 * 127.0.0.1 as the spec requires); otherwise a public web client whose metadata the portal serves.
 */
export class OAuthAdminLogin implements AdminLogin {
  readonly clientMetadata?: Readonly<Record<string, unknown>>
  readonly redirectUri: string
  private readonly client: NodeOAuthClient

  constructor(opts: OAuthAdminLoginOptions) {
    const pub = new URL(opts.publicUrl)
    const loopback = pub.protocol === 'http:' && LOOPBACK.has(pub.hostname)
    const prefix = opts.prefix ?? DEFAULT_PREFIX
    this.redirectUri = loopback
      ? `http://127.0.0.1:${pub.port || 80}${prefix}${CALLBACK_PATH}`
      : `${pub.origin}${prefix}${CALLBACK_PATH}`
    const clientId = loopback
      ? `http://localhost?${new URLSearchParams({ redirect_uri: this.redirectUri, scope: 'atproto' })}`
      : `${pub.origin}${prefix}${CLIENT_METADATA_PATH}`
    const metadata = {
      client_id: clientId,
      client_name: opts.clientName ?? 'Entryway admin',
      ...(loopback ? {} : { client_uri: pub.origin }),
      redirect_uris: [this.redirectUri] as [string],
      scope: 'atproto',
      grant_types: ['authorization_code', 'refresh_token'] as [
        'authorization_code',
        'refresh_token',
      ],
      response_types: ['code'] as ['code'],
      application_type: loopback ? ('native' as const) : ('web' as const),
      token_endpoint_auth_method: 'none' as const,
      dpop_bound_access_tokens: true,
    }
    if (!loopback) this.clientMetadata = Object.freeze(metadata)
    const trusted = new Set(
      [originOf(opts.handleResolver), originOf(opts.plcDirectoryUrl)].filter(
        (o): o is string => o !== null,
      ),
    )
    this.client = new NodeOAuthClient({
      fetch: (opts.insecureFetch ?? loopback) ? globalThis.fetch : loginFetch(trusted),
      clientMetadata: metadata,
      stateStore:
        opts.stateStore ??
        new TtlStore<NodeSavedState>(
          OAUTH_STATE_TTL_MS,
          opts.memoryStateBounds ?? DEFAULT_MEMORY_STATE_BOUNDS,
        ),
      // Sessions are revoked at once; this only holds them between token exchange and sign-out.
      sessionStore: new TtlStore<NodeSavedSession>(
        OAUTH_STATE_TTL_MS,
        opts.memoryStateBounds ?? DEFAULT_MEMORY_STATE_BOUNDS,
      ),
      handleResolver: opts.handleResolver,
      plcDirectoryUrl: opts.plcDirectoryUrl,
      allowHttp: loopback,
      requestLock: requestLocalLock,
    })
  }

  async start({ identifier }: { identifier: string }): Promise<{ redirectUrl: string }> {
    try {
      const url = await this.client.authorize(identifier, { scope: 'atproto' })
      return { redirectUrl: url.toString() }
    } catch (err) {
      throw new AdminLoginError(`Could not find how ${identifier} signs in.`, { cause: err })
    }
  }

  async callback({ params }: { params: URLSearchParams }): Promise<{ did: string }> {
    if (params.get('error'))
      throw new AdminLoginError(
        params.get('error') === 'access_denied'
          ? 'Sign-in was cancelled.'
          : 'The authorization server refused the sign-in.',
      )
    let session
    try {
      ;({ session } = await this.client.callback(params))
    } catch (err) {
      throw new AdminLoginError('Signing in did not complete. Please try again.', { cause: err })
    }
    const did = session.did
    await session.signOut().catch(() => {})
    return { did }
  }
}
