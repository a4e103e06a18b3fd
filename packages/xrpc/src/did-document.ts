import { getPdsEndpoint as pdsEndpointOf } from '@atproto/common-web'

/**
 * A DID document as PLC or did:web serves it (only the parts the Entryway reads are typed). A type,
 * not an interface: it is then a lexicon `unknown` object (`didDoc` of session outputs).
 */
export type DidDocument = {
  '@context'?: unknown
  id: string
  alsoKnownAs?: string[]
  verificationMethod?: Array<{
    id: string
    type: string
    controller: string
    publicKeyMultibase?: string
  }>
  service?: Array<{ id: string; type: string; serviceEndpoint: string | Record<string, unknown> }>
}

export interface ResolveOptions {
  /** Bypass caches (after a handle or host change, or a signature that failed with the cached key). */
  forceRefresh?: boolean
  /**
   * The address of the client whose request named this DID. A resolver may charge it for a
   * lookup that leaves the process and refuse with RateLimitExceeded over budget; internal
   * lookups (the Entryway's own accounts) pass none.
   */
  client?: string
}

/**
 * Resolves DID documents. The proxy package ships a caching (stale-while-revalidate) one with
 * per-client budgets; anything with this shape works.
 */
export interface DidDocResolver {
  resolve(did: string, opts?: ResolveOptions): Promise<DidDocument | null>
}

/** The `#atproto_pds` service endpoint of a DID document, or null. */
export function getPdsEndpoint(doc: DidDocument): string | null {
  return pdsEndpointOf(doc as Parameters<typeof pdsEndpointOf>[0]) ?? null
}
