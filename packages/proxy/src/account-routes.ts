/** Where the Entryway placed each account: the fast path before the DID document is known. */
export interface AccountRoutes {
  /** Public URL of the fleet host holding `did`, or null when the Entryway does not know it. */
  hostUrlForDid(did: string): Promise<string | null>
  /** The DID of a handle the Entryway manages, or null. */
  didForHandle(handle: string): Promise<string | null>
}

export class MemoryAccountRoutes implements AccountRoutes {
  readonly hostByDid = new Map<string, string>()
  readonly didByHandle = new Map<string, string>()

  async hostUrlForDid(did: string): Promise<string | null> {
    return this.hostByDid.get(did) ?? null
  }

  async didForHandle(handle: string): Promise<string | null> {
    return this.didByHandle.get(handle.toLowerCase()) ?? null
  }

  set(did: string, hostUrl: string, handle?: string): void {
    this.hostByDid.set(did, hostUrl)
    if (handle) this.didByHandle.set(handle.toLowerCase(), did)
  }
}
