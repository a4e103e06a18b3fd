import {
  bool,
  did,
  email,
  EnvValueError,
  integer,
  list,
  milliseconds,
  oneOf,
  origin,
  port,
  privateKeyHex,
  text,
  url,
  type EnvType,
} from './env-types.js'

/** A fleet host the gateway registers at start (`ENTRYWAY_FLEET_HOSTS`). */
export interface FleetHostSeed {
  url: string
  did: string
  internalUrl?: string
}

const fleetHostsJson: EnvType<FleetHostSeed[]> = {
  label: 'JSON array',
  parse(raw) {
    let v: unknown
    try {
      v = JSON.parse(raw)
    } catch {
      throw new EnvValueError('is not JSON: expected an array of {url, did}')
    }
    const ok = (h: unknown) => {
      const o = h as { url?: unknown; did?: unknown; internalUrl?: unknown } | null | undefined
      return (
        typeof o?.url === 'string' &&
        typeof o?.did === 'string' &&
        (o.internalUrl === undefined || typeof o.internalUrl === 'string')
      )
    }
    if (!Array.isArray(v) || !v.every(ok))
      throw new EnvValueError('must be a JSON array of {url, did} (internalUrl optional)')
    return v as FleetHostSeed[]
  },
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * One environment variable, defined once: the parser (`readEnv`), the README's configuration
 * table and `entryway --help` all come from these entries.
 */
export interface EnvVar<T> {
  /** The variable; for a `family`, the prefix every member starts with (ends with `_`). */
  name: string
  type: EnvType<T>
  /** The default as the operator reads it (the value itself lives in `config.ts`'s constants). */
  default?: string
  /** `true`, or the name of another variable that may stand in for this one. */
  required?: true | string
  /** Never echoed in messages or output. */
  secret?: boolean
  /** Every variable `<name><SUFFIX>`; the value is a record keyed by `SUFFIX`. */
  family?: boolean
  description: string
  /** A good value, shown next to every problem with this variable. */
  example: string
}

const v = <T>(e: EnvVar<T>): EnvVar<T> => e
/** A family entry (`ENTRYWAY_RATE_LIMIT_<NAME>`): its parsed value is a record keyed by `<NAME>`. */
export const family = <T>(e: Omit<EnvVar<T>, 'family'>): EnvVar<T> & { family: true } => ({
  ...e,
  family: true,
})

/** Every variable the gateway reads. Add a variable here and nowhere else. */
export const ENV_TABLE = {
  port: v({
    name: 'ENTRYWAY_PORT',
    type: port,
    default: '2583',
    description: 'Port the gateway listens on.',
    example: '2583',
  }),
  host: v({
    name: 'ENTRYWAY_HOST',
    type: text,
    default: '127.0.0.1',
    description: 'Address the gateway listens on (`0.0.0.0` in a container).',
    example: '127.0.0.1',
  }),
  publicUrl: v({
    name: 'ENTRYWAY_PUBLIC_URL',
    type: origin,
    default: 'http://localhost:<port>',
    description:
      "The Entryway's public origin: every PDS's `PDS_ENTRYWAY_URL`, and the OAuth issuer.",
    example: 'https://entryway.example.social',
  }),
  did: v({
    name: 'ENTRYWAY_DID',
    type: did,
    default: 'did:web:<public host>',
    description: "The Entryway's DID (every PDS's `PDS_ENTRYWAY_DID`).",
    example: 'did:web:entryway.example.social',
  }),
  serviceName: v({
    name: 'ENTRYWAY_SERVICE_NAME',
    type: text,
    default: '<public host>',
    description: 'Name shown on sign-in pages.',
    example: 'Example Social',
  }),
  handleDomains: v({
    name: 'ENTRYWAY_HANDLE_DOMAINS',
    type: list(text),
    default: '.test',
    description: "Handle suffixes users sign up under (each PDS's `PDS_SERVICE_HANDLE_DOMAINS`).",
    example: '.example.social',
  }),
  handleProfileUrl: v({
    name: 'ENTRYWAY_HANDLE_PROFILE_URL',
    type: text,
    description:
      "Where `/` on a handle's own domain redirects; `{did}` and `{handle}` are filled in. Unset: 404.",
    example: 'https://bsky.app/profile/{did}',
  }),
  databaseUrl: v({
    name: 'DATABASE_URL',
    type: url(['postgres:', 'postgresql:']),
    secret: true,
    default: 'embedded PGlite',
    description: 'Postgres shared by every gateway instance.',
    example: 'postgres://entryway@db.internal:5432/entryway',
  }),
  dataDir: v({
    name: 'ENTRYWAY_DATA_DIR',
    type: text,
    default: './data',
    description: 'Folder of the embedded database when `DATABASE_URL` is unset.',
    example: '/var/lib/entryway',
  }),
  redisUrl: v({
    name: 'ENTRYWAY_REDIS_URL',
    type: url(['redis:', 'rediss:']),
    secret: true,
    description: 'Redis for rate-limit counters shared by instances. Unset: per process.',
    example: 'redis://127.0.0.1:6379',
  }),
  redisPrefix: v({
    name: 'ENTRYWAY_REDIS_PREFIX',
    type: text,
    default: 'entryway-rl-',
    description: 'Prefix of every Redis key.',
    example: 'entryway-rl-',
  }),
  metricsToken: v({
    name: 'ENTRYWAY_METRICS_TOKEN',
    type: text,
    secret: true,
    description:
      '`/metrics` wants `Authorization: Bearer <token>`. Unset: served open only in local dev (plain http on loopback), not at all elsewhere.',
    example: '<random string>',
  }),
  shutdownDrainMs: v({
    name: 'ENTRYWAY_SHUTDOWN_DRAIN_MS',
    type: milliseconds,
    default: '0',
    description: 'On SIGTERM, time `/xrpc/_ready` answers 503 before the listener closes.',
    example: '10000',
  }),
  shutdownTimeoutMs: v({
    name: 'ENTRYWAY_SHUTDOWN_TIMEOUT_MS',
    type: milliseconds,
    default: '30000',
    description: 'On SIGTERM, longest wait for requests in flight.',
    example: '30000',
  }),
  plcUrl: v({
    name: 'ENTRYWAY_PLC_URL',
    type: url(),
    default: 'https://plc.directory',
    description: 'PLC directory.',
    example: 'https://plc.directory',
  }),
  jwtSigningKeyHex: v({
    name: 'ENTRYWAY_JWT_SIGNING_KEY_HEX',
    type: privateKeyHex,
    required: 'ENTRYWAY_JWT_SIGNING_KEY_FILE',
    secret: true,
    description: 'secp256k1 key that signs every session token (`entryway keys generate`).',
    example: '<64 hex chars from entryway keys generate>',
  }),
  jwtSigningKeyFile: v({
    name: 'ENTRYWAY_JWT_SIGNING_KEY_FILE',
    type: text,
    description: 'File holding the JWT signing key as hex, instead of `_HEX`.',
    example: '/run/secrets/entryway-jwt-key',
  }),
  jwtPreviousPublicKeysHex: v({
    name: 'ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX',
    type: list(text),
    description:
      'Retired signing keys, each `<public key hex>@<ISO 8601 time it stopped signing>`: their tokens verify until the longest token lifetime (90 days) has passed.',
    example: '02<64 hex chars>@2026-12-01T00:00:00Z',
  }),
  plcRotationKeyHex: v({
    name: 'ENTRYWAY_PLC_ROTATION_KEY_HEX',
    type: privateKeyHex,
    required: 'ENTRYWAY_PLC_ROTATION_KEY_FILE',
    secret: true,
    description: "secp256k1 key that signs PLC operations for every account's DID.",
    example: '<64 hex chars from entryway keys generate>',
  }),
  plcRotationKeyFile: v({
    name: 'ENTRYWAY_PLC_ROTATION_KEY_FILE',
    type: text,
    description: 'File holding the PLC rotation key as hex, instead of `_HEX`.',
    example: '/run/secrets/entryway-plc-key',
  }),
  pdsAdminPassword: v({
    name: 'ENTRYWAY_PDS_ADMIN_PASSWORD',
    type: text,
    required: true,
    secret: true,
    description: 'Admin password every PDS of the fleet shares (`PDS_ADMIN_PASSWORD`).',
    example: '<random string>',
  }),
  fleetHosts: v({
    name: 'ENTRYWAY_FLEET_HOSTS',
    type: fleetHostsJson,
    description: 'Hosts registered (enabled when new) at start.',
    example: '[{"url":"https://pds1.example.social","did":"did:web:pds1.example.social"}]',
  }),
  inviteRequired: v({
    name: 'ENTRYWAY_INVITE_REQUIRED',
    type: bool,
    default: 'false',
    description: 'Sign-up needs an invite code.',
    example: 'true',
  }),
  smtpUrl: v({
    name: 'ENTRYWAY_SMTP_URL',
    type: url(['smtp:', 'smtps:']),
    secret: true,
    description:
      'SMTP server for every mail (email confirmation and update, 2FA codes, password reset). Unset: no email, and the flows that must mail answer 501 `MethodNotImplemented` at once.',
    example: 'smtps://user:pass@smtp.example.com:465',
  }),
  emailFrom: v({
    name: 'ENTRYWAY_EMAIL_FROM',
    type: email,
    default: 'noreply@<public host>',
    description: 'Sender of every email (only with `ENTRYWAY_SMTP_URL`).',
    example: 'noreply@example.social',
  }),
  mailTemplatesDir: v({
    name: 'ENTRYWAY_MAIL_TEMPLATES_DIR',
    type: text,
    description:
      "Folder of the operator's mail templates, overriding the built-in copy: `<kind>.subject.txt`, `<kind>.txt`, `<kind>.html` (any subset) for the kinds confirmEmail, updateEmail, resetPassword, deleteAccount, plcOperation, signInCode, signupQueue; placeholders `{{code}}`, `{{serviceName}}`, `{{handle}}`, `{{link}}` (the public URL), `{{ttlMinutes}}`, `{{email}}`, HTML-escaped in `.html`. Read at start; a bad file stops the start. Only with `ENTRYWAY_SMTP_URL`.",
    example: '/etc/entryway/mail-templates',
  }),
  adminAuditKeyHex: v({
    name: 'ENTRYWAY_ADMIN_AUDIT_KEY_HEX',
    type: text,
    secret: true,
    default: 'derived from the JWT key',
    description:
      'HMAC key (at least 32 bytes of hex) of the admin audit chain; never stored in the database.',
    example: '<64 hex chars>',
  }),
  adminAuditKeyFile: v({
    name: 'ENTRYWAY_ADMIN_AUDIT_KEY_FILE',
    type: text,
    description: 'File holding the audit key as hex, instead of `_HEX`.',
    example: '/run/secrets/entryway-audit-key',
  }),
  adminAuditCheckpointFile: v({
    name: 'ENTRYWAY_ADMIN_AUDIT_CHECKPOINT_FILE',
    type: text,
    default: '<ENTRYWAY_DATA_DIR>/admin-audit-checkpoints.jsonl',
    description:
      'Where signed heads of the audit chain are appended, outside the database (truncation is detected against them).',
    example: '/var/lib/entryway/admin-audit-checkpoints.jsonl',
  }),
  modServiceDids: v({
    name: 'ENTRYWAY_MOD_SERVICE_DIDS',
    type: list(did),
    description:
      "Moderation services (Ozone) whose service JWTs (`aud` the Entryway's DID) may call the moderator admin methods, as a PDS's `PDS_MOD_SERVICE_DID`.",
    example: 'did:plc:ar7c4by46qjdydhdevvrndac',
  }),
  crawlers: v({
    name: 'ENTRYWAY_CRAWLERS',
    type: list(url()),
    description:
      "Relays asked to crawl each host (`com.atproto.sync.requestCrawl`) when it is enabled and on `entryway-admin request-crawl`, as a PDS's `PDS_CRAWLERS`.",
    example: 'https://bsky.network',
  }),
  adminRbacFile: v({
    name: 'ENTRYWAY_ADMIN_RBAC_FILE',
    type: text,
    description: 'YAML file of admin roles and members; turns the admin portal on.',
    example: '/etc/entryway/rbac.yaml',
  }),
  adminSessionTtlHours: v({
    name: 'ENTRYWAY_ADMIN_SESSION_TTL_HOURS',
    type: integer(1, 24 * 30),
    default: '24',
    description:
      "Lifetime of an admin portal sign-in (like gatekeeper's `GATEKEEPER_ADMIN_SESSION_TTL_HOURS`).",
    example: '2',
  }),
  adminCookieSecret: v({
    name: 'ENTRYWAY_ADMIN_COOKIE_SECRET',
    type: text,
    secret: true,
    default: 'derived from the JWT key',
    description:
      "Signs the admin portal cookie (at least 32 characters; like gatekeeper's `GATEKEEPER_ADMIN_COOKIE_SECRET`). Changing it signs every operator out.",
    example: '<64 hex chars>',
  }),
  oauthDpopSecretHex: v({
    name: 'ENTRYWAY_OAUTH_DPOP_SECRET_HEX',
    type: text,
    secret: true,
    default: 'derived from the JWT key',
    description:
      "Key of the OAuth server's DPoP nonces (32 bytes of hex), the same on every instance. Changing it costs each client one retry with a fresh nonce.",
    example: '<64 hex chars>',
  }),
  signupRequestKeyHex: v({
    name: 'ENTRYWAY_SIGNUP_REQUEST_KEY_HEX',
    type: text,
    secret: true,
    default: 'derived from the JWT key',
    description:
      'Key that recognises a retried `createAccount` (at least 32 bytes of hex), the same on every instance. Changing it forgets the sign-ups in flight.',
    example: '<64 hex chars>',
  }),
  includeDidDocInSession: v({
    name: 'ENTRYWAY_INCLUDE_DID_DOC',
    type: bool,
    default: 'true',
    description: 'Session answers carry `didDoc`.',
    example: 'true',
  }),
  logLevel: v({
    name: 'ENTRYWAY_LOG_LEVEL',
    type: oneOf(LOG_LEVELS),
    default: 'info',
    description: 'pino log level.',
    example: 'info',
  }),
  trustProxy: v({
    name: 'ENTRYWAY_TRUST_PROXY',
    type: text,
    default: 'loopback',
    description:
      'Addresses whose `X-Forwarded-For` is believed: comma-separated addresses/subnets, `true` or `false`.',
    example: '127.0.0.1,10.0.0.0/8',
  }),
  privacyPolicyUrl: v({
    name: 'ENTRYWAY_PRIVACY_POLICY_URL',
    type: url(),
    description: '`describeServer` link.',
    example: 'https://example.social/privacy',
  }),
  termsOfServiceUrl: v({
    name: 'ENTRYWAY_TERMS_OF_SERVICE_URL',
    type: url(),
    description: '`describeServer` link.',
    example: 'https://example.social/terms',
  }),
  contactEmail: v({
    name: 'ENTRYWAY_CONTACT_EMAIL',
    type: email,
    description: '`describeServer` contact.',
    example: 'support@example.social',
  }),
  healthIntervalMs: v({
    name: 'ENTRYWAY_HEALTH_INTERVAL_MS',
    type: integer(0),
    default: '10000',
    description:
      'Period of the fleet health checks (`_health`, `describeServer`); run by one instance at a time (a lease in the database). 0: off.',
    example: '10000',
  }),
  reconcileIntervalMs: v({
    name: 'ENTRYWAY_RECONCILE_INTERVAL_MS',
    type: integer(0),
    default: '60000',
    description: 'Period of the stuck sign-up reconciler; run by one instance at a time. 0: off.',
    example: '60000',
  }),
  outboxIntervalMs: v({
    name: 'ENTRYWAY_OUTBOX_INTERVAL_MS',
    type: integer(1),
    default: '5000',
    description:
      "How often each instance runs due outbox jobs (e.g. a deleted account's PLC tombstone that failed); each job runs on one instance at a time.",
    example: '5000',
  }),
  outboxBackoffMs: v({
    name: 'ENTRYWAY_OUTBOX_BACKOFF_MS',
    type: integer(1),
    default: '1000',
    description: 'First retry of a failed outbox job; doubled per failure.',
    example: '1000',
  }),
  outboxMaxBackoffMs: v({
    name: 'ENTRYWAY_OUTBOX_MAX_BACKOFF_MS',
    type: integer(1),
    default: '600000',
    description: 'Longest wait between retries of a failed outbox job.',
    example: '600000',
  }),
  proxyTimeoutMs: v({
    name: 'ENTRYWAY_PROXY_TIMEOUT_MS',
    type: integer(1),
    default: '30000',
    description: 'Longest wait for a PDS answer to a proxied call.',
    example: '30000',
  }),
  proxyCircuitThreshold: v({
    name: 'ENTRYWAY_PROXY_CIRCUIT_THRESHOLD',
    type: integer(1),
    default: '5',
    description:
      'Consecutive failures to reach a host (refused, reset, timed out) after which its requests get 503 `UpstreamUnavailable` at once, until a probe is answered.',
    example: '5',
  }),
  proxyCircuitOpenMs: v({
    name: 'ENTRYWAY_PROXY_CIRCUIT_OPEN_MS',
    type: integer(1),
    default: '5000',
    description: "How long a host's open circuit refuses before the next probe (`/xrpc/_health`).",
    example: '5000',
  }),
  proxyAllowedOrigins: v({
    name: 'ENTRYWAY_PROXY_ALLOWED_ORIGINS',
    type: list(url()),
    description: 'Origins besides the fleet the proxy may forward to.',
    example: 'https://pds.example.org',
  }),
  proxyDefaultHost: v({
    name: 'ENTRYWAY_PROXY_DEFAULT_HOST',
    type: url(),
    description: 'Where calls without an account go. Unset: answered 400.',
    example: 'https://pds1.example.social',
  }),
  didCacheEntries: v({
    name: 'ENTRYWAY_DID_CACHE_ENTRIES',
    type: integer(1),
    default: '100000',
    description:
      'Most DID documents (PLC and did:web) kept in memory, per process (least recently used dropped first).',
    example: '100000',
  }),
  didCacheBytes: v({
    name: 'ENTRYWAY_DID_CACHE_BYTES',
    type: integer(1024),
    default: '67108864',
    description:
      'Most estimated bytes (serialized length) of DID documents (PLC and did:web) kept in memory, per process.',
    example: '67108864',
  }),
  tokenCacheEntries: v({
    name: 'ENTRYWAY_TOKEN_CACHE_ENTRIES',
    type: integer(1),
    default: '20000',
    description:
      'Most verified access tokens kept in memory (each for at most 60 s), per process (least recently used dropped first).',
    example: '20000',
  }),
  tokenCacheBytes: v({
    name: 'ENTRYWAY_TOKEN_CACHE_BYTES',
    type: integer(1024),
    default: '16777216',
    description:
      'Most estimated bytes (serialized length) of verified access tokens kept in memory (each for at most 60 s), per process.',
    example: '16777216',
  }),
  routeCacheEntries: v({
    name: 'ENTRYWAY_ROUTE_CACHE_ENTRIES',
    type: integer(1),
    default: '100000',
    description:
      'Most account → PDS rows kept in memory, per process (least recently used dropped first).',
    example: '100000',
  }),
  routeCacheBytes: v({
    name: 'ENTRYWAY_ROUTE_CACHE_BYTES',
    type: integer(1024),
    default: '16777216',
    description:
      'Most estimated bytes (serialized length) of account → PDS rows kept in memory, per process.',
    example: '16777216',
  }),
  handleCacheEntries: v({
    name: 'ENTRYWAY_HANDLE_CACHE_ENTRIES',
    type: integer(1),
    default: '10000',
    description:
      'Most handle → DID answers (for `repo` params) kept in memory, per process (least recently used dropped first).',
    example: '10000',
  }),
  handleCacheBytes: v({
    name: 'ENTRYWAY_HANDLE_CACHE_BYTES',
    type: integer(1024),
    default: '2097152',
    description:
      'Most estimated bytes (serialized length) of handle → DID answers (for `repo` params) kept in memory, per process.',
    example: '2097152',
  }),
  oauthClientCacheEntries: v({
    name: 'ENTRYWAY_OAUTH_CLIENT_CACHE_ENTRIES',
    type: integer(1),
    default: '5000',
    description:
      'Most OAuth client metadata documents (and as many client JWKS) kept in memory, per process.',
    example: '5000',
  }),
  oauthClientCacheBytes: v({
    name: 'ENTRYWAY_OAUTH_CLIENT_CACHE_BYTES',
    type: integer(1024),
    default: '16777216',
    description:
      'Most estimated bytes of OAuth client metadata (and as many of client JWKS) kept in memory, per process.',
    example: '16777216',
  }),
  captchaProvider: v({
    name: 'ENTRYWAY_CAPTCHA_PROVIDER',
    type: oneOf(['hcaptcha', 'turnstile'] as const),
    description:
      'Turns the sign-up captcha gate on (`/gate/signup`; createAccount then needs `verificationCode`). Unset: no captcha.',
    example: 'hcaptcha',
  }),
  captchaSiteKey: v({
    name: 'ENTRYWAY_CAPTCHA_SITE_KEY',
    type: text,
    description: "The captcha provider's site key (public), with `ENTRYWAY_CAPTCHA_PROVIDER`.",
    example: '10000000-ffff-ffff-ffff-000000000001',
  }),
  captchaSecret: v({
    name: 'ENTRYWAY_CAPTCHA_SECRET',
    type: text,
    secret: true,
    description: "The captcha provider's secret key, with `ENTRYWAY_CAPTCHA_PROVIDER`.",
    example: '<secret from the provider>',
  }),
  captchaVerifyUrl: v({
    name: 'ENTRYWAY_CAPTCHA_VERIFY_URL',
    type: url(),
    default: "the provider's siteverify",
    description:
      'Where widget tokens are verified (hCaptcha: https://api.hcaptcha.com/siteverify, Turnstile: https://challenges.cloudflare.com/turnstile/v0/siteverify).',
    example: 'https://api.hcaptcha.com/siteverify',
  }),
  captchaScriptUrl: v({
    name: 'ENTRYWAY_CAPTCHA_SCRIPT_URL',
    type: url(),
    default: "the provider's api.js",
    description: 'The widget script the gate page loads.',
    example: 'https://js.hcaptcha.com/1/api.js',
  }),
  captchaRedirects: v({
    name: 'ENTRYWAY_CAPTCHA_REDIRECTS',
    type: list(url()),
    default: 'https://bsky.app/',
    description:
      'Where a passed captcha redirects with `code` and `state`: the first by default (the Bluesky app waits for bsky.app), others when a client names one with `redirect_url` (migration tools).',
    example: 'https://bsky.app/,https://migrate.example.org/',
  }),
  emailBlocklistFile: v({
    name: 'ENTRYWAY_EMAIL_BLOCKLIST_FILE',
    type: text,
    default: 'a built-in list of disposable-mail domains',
    description:
      'File of email domains refused at sign-up and email change (one a line, `#` comments); replaces the built-in list.',
    example: '/etc/entryway/email-blocklist.txt',
  }),
  rateLimits: family({
    name: 'ENTRYWAY_RATE_LIMIT_',
    type: text,
    description:
      'One rate limit, `<NAME>` from the rate-limit table below, as `<points>/<duration>` (units ms, s, m, h, d).',
    example: 'ENTRYWAY_RATE_LIMIT_LOGIN_ACCOUNT=30/5m',
  }),
}

export type EnvTable = typeof ENV_TABLE
type ValueOf<E> = E extends EnvVar<infer T> & { family: true }
  ? Record<string, T>
  : E extends EnvVar<infer T>
    ? T
    : never
/** The table's variables, parsed; every field optional (absent when unset). */
export type ServerEnvironment = { [K in keyof EnvTable]?: ValueOf<EnvTable[K]> }

/** Every variable the gateway reads (a family appears as its prefix). */
export const ENV_NAMES: readonly string[] = Object.values(ENV_TABLE).map(
  (e: EnvVar<unknown>) => e.name,
)
