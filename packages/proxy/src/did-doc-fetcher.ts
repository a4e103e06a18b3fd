import {
  DidPlcResolver,
  DidWebResolver,
  PoorlyFormattedDidError,
  UnsupportedDidWebPathError,
} from '@atproto/identity'
import type { DidDocFetcher } from './did-doc-cache.js'
import { DEFAULT_DID_RESOLVE_TIMEOUT_MS } from './did-doc-cache.js'

export interface DidDocFetcherOptions {
  /** The PLC directory, e.g. `https://plc.directory`. */
  plcUrl: string
  /** @default 3000 */
  timeoutMs?: number
  /**
   * Resolve `did:web` with plain fetch (http, ports, private addresses). Labs only.
   * @default false
   */
  insecureDidWeb?: boolean
}

/**
 * did:plc and did:web without caching, validated by @atproto/identity. The PLC URL is operator
 * configuration, so it is fetched plainly: the package's default SSRF-safe fetch refuses IP
 * hosts, http and custom ports, which rules out a PLC on loopback. did:web names come from
 * anyone, so they keep the safe fetch.
 */
export function createDidDocFetcher(o: DidDocFetcherOptions): DidDocFetcher {
  const timeout = o.timeoutMs ?? DEFAULT_DID_RESOLVE_TIMEOUT_MS
  const plc = new DidPlcResolver(o.plcUrl, timeout, undefined, globalThis.fetch)
  const web = new DidWebResolver(
    timeout,
    undefined,
    o.insecureDidWeb ? globalThis.fetch : undefined,
  )
  return async (did) => {
    if (did.startsWith('did:plc:')) return await plc.resolveNoCache(did)
    if (did.startsWith('did:web:')) return await web.resolveNoCache(did).catch(nullWhenRefused)
    return null
  }
}

/**
 * A did:web whose host the safe fetch will not contact (http, an IP, a custom port) or that has
 * no DNS name, or that is malformed, never resolves: it names no account (null), it is not an
 * upstream failure. The fetch says so with a 400 request error; an outage (a 5xx, a timeout) is
 * still thrown.
 */
function nullWhenRefused(err: unknown): null {
  if (err instanceof PoorlyFormattedDidError || err instanceof UnsupportedDidWebPathError)
    return null
  for (
    let e = err as { statusCode?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 5;
    e = e.cause as typeof e, i++
  ) {
    if (e.statusCode === 400) return null
  }
  throw err
}
