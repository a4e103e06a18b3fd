import type { JwtKeyring } from './jwt-keyring.js'
import type { RefreshTokenStore } from './refresh-token-store.js'
import { AuthScope } from './scopes.js'
import {
  createAccessToken,
  createRefreshToken,
  DEFAULT_ACCESS_TTL_SEC,
  DEFAULT_REFRESH_TTL_SEC,
} from './tokens.js'

export interface IssueSessionInput {
  did: string
  /** Service DID of the PDS hosting the account: the access token's `aud`. */
  pdsDid: string
  /** @default com.atproto.access */
  scope?: AuthScope
  /** When the login used an app password: revoking it ends this session. */
  appPasswordName?: string | null
  /** Reuse a jti decided earlier (refresh rotation converging on one successor). */
  refreshJti?: string
}

export interface SessionTokens {
  accessJwt: string
  refreshJwt: string
  refreshJti: string
}

/** Mints the access/refresh pair and records the refresh token so it can be rotated and revoked. */
export interface SessionIssuer {
  issue(input: IssueSessionInput): Promise<SessionTokens>
}

export interface SessionIssuerOptions {
  keyring: JwtKeyring
  entrywayDid: string
  refreshTokens: RefreshTokenStore
  /** @default 7200 (the PDS's 120 min) */
  accessTtlSec?: number
  /** @default 7776000 (90 days) */
  refreshTtlSec?: number
  now?: () => number
}

export function createSessionIssuer(o: SessionIssuerOptions): SessionIssuer {
  const now = o.now ?? Date.now
  return {
    async issue(input) {
      const t = now()
      const refreshTtl = o.refreshTtlSec ?? DEFAULT_REFRESH_TTL_SEC
      const scope = input.scope ?? AuthScope.Access
      const accessJwt = await createAccessToken(o.keyring, {
        did: input.did,
        pdsDid: input.pdsDid,
        scope,
        issuer: o.entrywayDid,
        ttlSec: o.accessTtlSec ?? DEFAULT_ACCESS_TTL_SEC,
        now: t,
      })
      const refresh = await createRefreshToken(o.keyring, {
        did: input.did,
        entrywayDid: o.entrywayDid,
        jti: input.refreshJti,
        ttlSec: refreshTtl,
        now: t,
      })
      if (!input.refreshJti) {
        await o.refreshTokens.insert({
          id: refresh.claims.jti,
          did: input.did,
          appPasswordName: input.appPasswordName ?? null,
          expiresAt: new Date(refresh.claims.exp * 1000).toISOString(),
        })
      }
      return { accessJwt, refreshJwt: refresh.token, refreshJti: refresh.claims.jti }
    },
  }
}
