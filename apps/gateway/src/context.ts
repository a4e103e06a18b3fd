import { Secp256k1Keypair } from '@atproto/crypto'
import { DidResolver } from '@atproto/identity'
import type { Database } from '@entryway/db'
import { noopMetrics, type EntrywayMetrics } from '@entryway/metrics'
import {
  AuthVerifier,
  createSessionIssuer,
  DEFAULT_MAX_TOKEN_LIFETIME_SEC,
  DEFAULT_PASSWORD_CONCURRENCY,
  DEFAULT_PASSWORD_QUEUE_MAX,
  JwtKeyring,
  PasswordGate,
  type DidDocResolver,
  type SessionIssuer,
} from '@entryway/session'
import type { ServerConfig } from './config/config.js'
import type { ServerSecrets } from './config/secrets.js'
import { KyselyRefreshTokenStore } from '@entryway/session/postgres'
import type { GatewayRateLimits } from './wire/rate-limits.js'
import type { TrustedForwarders } from './wire/trusted-forwarders.js'

/** Time allowed for one PLC / did:web lookup. */
export const DID_RESOLVE_TIMEOUT_MS = 3_000

/**
 * Everything the plugins share, built once at start. Only the app knows this whole graph;
 * each plugin receives just the pieces it declares in its options.
 */
export interface GatewayContext {
  cfg: ServerConfig
  secrets: ServerSecrets
  database: Database
  keyring: JwtKeyring
  plcRotationKey: Secp256k1Keypair
  /** Replaced by the proxy wiring with a caching resolver; everyone reads it through here. */
  didResolver: DidDocResolver
  authVerifier: AuthVerifier
  sessionIssuer: SessionIssuer
  /** Where plugins report (set by the metrics wiring). */
  metrics: EntrywayMetrics
  /** @fastify/rate-limit `store` shared by every limiter: Redis with a local fallback; null without Redis. */
  rateLimitStore: GatewayRateLimits['store']
  /** Bounds scrypt work of every sign-in path (createSession, deleteAccount, resetPassword, OAuth). */
  passwordGate: PasswordGate
  /** Whose x-forwarded-for is believed (set when the app is assembled). */
  forwarders: TrustedForwarders | null
  /** Every rate limit and counter (wire/rate-limits.ts). */
  rateLimits: GatewayRateLimits
}

export async function createContext(
  cfg: ServerConfig,
  secrets: ServerSecrets,
  database: Database,
  rateLimits: GatewayRateLimits,
): Promise<GatewayContext> {
  const keyring = await JwtKeyring.fromHex(secrets.jwtSigningKeyHex, secrets.jwtPreviousKeys, {
    maxTokenLifetimeSec: DEFAULT_MAX_TOKEN_LIFETIME_SEC,
  })
  const plcRotationKey = await Secp256k1Keypair.import(secrets.plcRotationKeyHex)
  const plain = new DidResolver({ plcUrl: cfg.plc.url, timeout: DID_RESOLVE_TIMEOUT_MS })
  const ctx = {
    cfg,
    secrets,
    database,
    keyring,
    plcRotationKey,
    didResolver: {
      resolve: (did: string, opts?: { forceRefresh?: boolean }) =>
        plain.resolve(did, opts?.forceRefresh ?? false),
    } as DidDocResolver,
    authVerifier: undefined as unknown as AuthVerifier,
    sessionIssuer: createSessionIssuer({
      keyring,
      entrywayDid: cfg.service.did,
      refreshTokens: new KyselyRefreshTokenStore(database.db),
    }),
    metrics: noopMetrics,
    rateLimitStore: rateLimits.store,
    rateLimits,
    forwarders: null as TrustedForwarders | null,
    passwordGate: new PasswordGate(DEFAULT_PASSWORD_CONCURRENCY, DEFAULT_PASSWORD_QUEUE_MAX),
  }
  // Resolve through ctx so a later swap of the resolver (caching) reaches the verifier too.
  ctx.authVerifier = new AuthVerifier({
    keyring,
    entrywayDid: cfg.service.did,
    didResolver: { resolve: (did, opts) => ctx.didResolver.resolve(did, opts) },
    adminPassword: secrets.pdsAdminPassword,
    adminFailures: rateLimits.adminFailures,
    modServiceDids: cfg.modServiceDids,
  })
  return ctx
}
