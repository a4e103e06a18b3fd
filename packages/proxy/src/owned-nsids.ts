/**
 * Methods the Entryway owns but no plugin implements, each for a reason: never forwarded, always
 * 501. Every method a plugin does serve comes from its route modules instead (the `ownedNsids`
 * option: the union of the plugins' exported `*_NSIDS`). A trailing `.*` covers a namespace.
 */
export const ENTRYWAY_RESERVED_NSIDS: ReadonlyMap<string, string> = new Map([
  [
    'com.atproto.server.reserveSigningKey',
    "account creation is the Entryway's; an unauthenticated key reservation on a random PDS is only litter",
  ],
  [
    'com.atproto.admin.*',
    'a PDS in entryway mode sends its admin methods to the Entryway: one forwarded back to a PDS would loop (the session plugin answers the ones it knows)',
  ],
])

/** Exact names plus `prefix.*` namespaces, checked with one Set lookup per dot. */
export class NsidMatcher {
  private readonly exact = new Set<string>()
  private readonly prefixes = new Set<string>()

  constructor(nsids: Iterable<string>) {
    for (const n of nsids) {
      if (n.endsWith('.*')) this.prefixes.add(n.slice(0, -1))
      else this.exact.add(n)
    }
  }

  has(nsid: string): boolean {
    if (this.exact.has(nsid)) return true
    if (this.prefixes.size === 0) return false
    for (let i = nsid.indexOf('.'); i >= 0; i = nsid.indexOf('.', i + 1)) {
      if (this.prefixes.has(nsid.slice(0, i + 1))) return true
    }
    return false
  }
}
