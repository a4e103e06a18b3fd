import type { FastifyInstance } from 'fastify'
import { Secp256k1Keypair } from '@atproto/crypto'
import { openDatabase, type Database } from '@entryway/db'
import {
  createEntrywayMetrics,
  resolveOptions as metricsDefaults,
  type EntrywayMetricFamilies,
} from '@entryway/metrics'
import type { CachingDidResolver } from '@entryway/proxy'
import {
  AuthVerifier,
  createSessionIssuer,
  DEFAULT_MAX_TOKEN_LIFETIME_SEC,
  DEFAULT_PASSWORD_CONCURRENCY,
  DEFAULT_PASSWORD_QUEUE_MAX,
  JwtKeyring,
  PasswordGate,
  type SessionIssuer,
} from '@entryway/session'
import { KyselyRefreshTokenStore } from '@entryway/session/postgres'
import type { ServerConfig } from './config/config.js'
import type { ServerSecrets } from './config/secrets.js'
import { createDidResolver } from './did-resolver.js'
import { createGatewayMail, type GatewayMail } from './wire/mailer.js'
import { createGatewayOutbox, type GatewayOutbox } from './wire/outbox.js'
import type { GatewayRateLimits } from './wire/rate-limits.js'

/**
 * Everything the plugins share, built once at start and never changed after. Only the app knows
 * this whole graph; each plugin receives just the pieces it declares in its options.
 */
export interface GatewayContext {
  readonly cfg: ServerConfig
  readonly secrets: ServerSecrets
  readonly database: Database
  readonly keyring: JwtKeyring
  readonly plcRotationKey: Secp256k1Keypair
  /** Where every plugin reports; the metrics plugin serves these families. */
  readonly metrics: EntrywayMetricFamilies
  /** The caching DID resolver every plugin resolves through (lookups counted in `metrics`). */
  readonly didResolver: CachingDidResolver
  readonly authVerifier: AuthVerifier
  readonly sessionIssuer: SessionIssuer
  /** Bounds scrypt work of every sign-in path (createSession, deleteAccount, resetPassword, OAuth). */
  readonly passwordGate: PasswordGate
  /** Every rate limit and counter (wire/rate-limits.ts). */
  readonly rateLimits: GatewayRateLimits
  /** One SMTP transport and the operator's templates, for sessions, OAuth and the outbox. */
  readonly mail: GatewayMail
  /** The durable-job worker sessions and OAuth share. */
  readonly outbox: GatewayOutbox
}

/** What the context is built on that it cannot build itself. */
export interface ContextDeps {
  /** The app whose logger the services write to and whose close ends them. */
  app: FastifyInstance
  /** Every rate limit, already attached to `app`. */
  rateLimits: GatewayRateLimits
  /** An already-open database (tests); otherwise one is opened from `cfg.db` and closed with the app. */
  database?: Database
}

/** Builds every shared service, each after what it needs, in one pass. */
export async function createContext(
  cfg: ServerConfig,
  secrets: ServerSecrets,
  { app, rateLimits, database: given }: ContextDeps,
): Promise<GatewayContext> {
  const database = given ?? (await openGatewayDatabase(app, cfg))
  const keyring = await JwtKeyring.fromHex(secrets.jwtSigningKeyHex, secrets.jwtPreviousKeys, {
    maxTokenLifetimeSec: DEFAULT_MAX_TOKEN_LIFETIME_SEC,
  })
  const plcRotationKey = await Secp256k1Keypair.import(secrets.plcRotationKeyHex)
  // on a registry of this instance's own, with the plugin's default families
  const m = metricsDefaults()
  const metrics = createEntrywayMetrics(m.registry, m)
  const didResolver = createDidResolver(cfg, metrics, app.log)
  const mail = createGatewayMail(app, cfg, database.db)
  return Object.freeze({
    cfg,
    secrets,
    database,
    keyring,
    plcRotationKey,
    metrics,
    didResolver,
    authVerifier: new AuthVerifier({
      keyring,
      entrywayDid: cfg.service.did,
      didResolver,
      adminPassword: secrets.pdsAdminPassword,
      adminFailures: rateLimits.adminFailures,
      modServiceDids: cfg.modServiceDids,
    }),
    sessionIssuer: createSessionIssuer({
      keyring,
      entrywayDid: cfg.service.did,
      refreshTokens: new KyselyRefreshTokenStore(database.db),
    }),
    passwordGate: new PasswordGate(DEFAULT_PASSWORD_CONCURRENCY, DEFAULT_PASSWORD_QUEUE_MAX),
    rateLimits,
    mail,
    outbox: createGatewayOutbox(app, cfg, {
      db: database.db,
      plcRotationKey,
      tokenEmails: mail.tokenEmails,
    }),
  })
}

async function openGatewayDatabase(app: FastifyInstance, cfg: ServerConfig): Promise<Database> {
  const database = await openDatabase({
    url: cfg.db.url,
    dataDir: cfg.db.dataDir,
    onPoolError: (err) => app.log.warn({ err }, 'postgres pool error'),
  })
  app.addHook('onClose', () => database.close())
  return database
}
