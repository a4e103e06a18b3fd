import { getPdsEndpoint as pdsEndpointOf } from '@atproto/common-web'

/** A DID document as PLC or did:web serves it (only the parts the Entryway reads are typed). */
export interface DidDocument {
  '@context'?: unknown
  id: string
  alsoKnownAs?: string[]
  verificationMethod?: Array<{ id: string; type: string; controller: string; publicKeyMultibase?: string }>
  service?: Array<{ id: string; type: string; serviceEndpoint: string | Record<string, unknown> }>
}

/**
 * Resolves DID documents. The proxy package ships a caching (stale-while-revalidate) one; anything
 * with this shape works. `forceRefresh` bypasses caches (after a handle or host change).
 */
export interface DidDocResolver {
  resolve(did: string, opts?: { forceRefresh?: boolean }): Promise<DidDocument | null>
}

/** The `#atproto_pds` service endpoint of a DID document, or null. */
export function getPdsEndpoint(doc: DidDocument): string | null {
  return pdsEndpointOf(doc as Parameters<typeof pdsEndpointOf>[0]) ?? null
}
