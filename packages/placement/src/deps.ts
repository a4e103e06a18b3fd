import type { FastifyRequest } from 'fastify'

/** Who is calling, as placement's routes need to know it. The app adapts its AuthVerifier. */
export interface PlacementAuth {
  /**
   * A user: the Entryway's own access token (full scope when `full`), or a PDS's service JWT whose
   * `lxm` is exactly `nsid`. Throws an XRPC auth error otherwise.
   */
  user(
    req: FastifyRequest,
    nsid: string,
    opts?: { full?: boolean },
  ): Promise<{ did: string; via: 'access' | 'service' }>
  /** Basic `admin:<PDS admin password>`; throws otherwise. */
  admin(req: FastifyRequest): void | Promise<void>
  /**
   * The moderator methods (invite admin): Basic admin, or a configured moderation service's
   * service JWT for exactly `nsid`. Without it, Basic admin only.
   */
  moderator?(req: FastifyRequest, nsid: string): void | Promise<unknown>
}

/** Mints the session returned by createAccount (the session package's SessionIssuer fits). */
export interface SessionMinter {
  issue(input: { did: string; pdsDid: string }): Promise<{ accessJwt: string; refreshJwt: string }>
}

/** Resolves handles outside the service domains (DNS TXT, https well-known). */
export interface ExternalHandleResolver {
  resolve(handle: string): Promise<string | undefined>
}
