import type { FastifyRequest } from 'fastify'

/**
 * How a team member proves who they are. The portal only needs a DID at the end; the production
 * implementation is atproto OAuth (`OAuthAdminLogin`), tests inject their own.
 */
export interface AdminLogin {
  /** Begins a login for a handle or DID; returns where to send the browser. */
  start(input: { identifier: string; req: FastifyRequest }): Promise<{ redirectUrl: string }>
  /** Finishes it from the callback's query string; returns the authenticated DID. */
  callback(input: { params: URLSearchParams; req: FastifyRequest }): Promise<{ did: string }>
  /** Served at `<prefix>/oauth/client-metadata.json` when present (OAuth client metadata). */
  readonly clientMetadata?: Readonly<Record<string, unknown>>
}

/** A login failure the member should see (bad handle, denied consent, expired state). */
export class AdminLoginError extends Error {
  override name = 'AdminLoginError'
}
