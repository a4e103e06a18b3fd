import type { FastifyRequest } from 'fastify'
import type * as XrpcServer from '@atproto/xrpc-server'
import { getDidKeyFromMultibase, getKey } from '@atproto/identity'
import { getVerificationMaterial } from '@atproto/common-web'
import { timingSafeEqual } from 'node:crypto'
import {
  AuthRequiredError,
  InvalidRequestError,
  parseBasicAuth,
  parseBearer,
  RateLimitExceededError,
  type DidDocResolver,
  type DidDocument,
} from '@entryway/xrpc'
import type { JwtKeyring } from './jwt-keyring.js'
import { ACCESS_STANDARD, type AuthScope } from './scopes.js'
import {
  type AccessClaims,
  type RefreshClaims,
  verifyAccessToken,
  verifyRefreshToken,
} from './tokens.js'
import { PROTECTED_METHODS } from './protected-methods.js'
import type { RateCounter } from './rate-limits.js'

export interface AccessAuth {
  type: 'access'
  did: string
  scope: AuthScope
  claims: AccessClaims
}

/** A PDS calling on the user's behalf: service JWT with `iss` = user, `aud` = Entryway DID. */
export interface ServiceAuth {
  type: 'service'
  did: string
  lxm: string
}

/**
 * Who may call a moderator method (the reference PDS's `authVerifier.moderator`): the admin
 * password, or a configured moderation service (Ozone) with a service JWT for exactly that method.
 */
export type ModeratorAuth = { type: 'admin' } | { type: 'mod_service'; did: string }

export interface AuthVerifierOptions {
  keyring: JwtKeyring
  entrywayDid: string
  didResolver: DidDocResolver
  /** The PDS admin password: the PDS forwards `admin.updateAccountPassword/Email` with Basic admin. */
  adminPassword?: string
  /**
   * Failed admin passwords per client address: checked before the password, counted on each wrong
   * one (RateLimitExceeded once spent). Without it, failures are only logged.
   */
  adminFailures?: RateCounter
  /**
   * Moderation services (Ozone) whose service JWTs the moderator methods accept: `iss` is one of
   * them (or `<did>#atproto_labeler`), `aud` the Entryway, `lxm` the method. @default []
   */
  modServiceDids?: readonly string[]
}

/**
 * Authenticates requests at the Entryway: its own access/refresh tokens, and service-auth JWTs
 * that PDSes send when they forward a protected method. `lxm` is always enforced and must be one
 * of PROTECTED_METHODS (a user can mint other lxms at their PDS with getServiceAuth).
 */
export class AuthVerifier {
  constructor(private readonly o: AuthVerifierOptions) {}

  /** Bearer access token, any `aud` (tokens minted for any fleet PDS are ours). */
  async access(
    req: FastifyRequest,
    scopes: readonly AuthScope[] = ACCESS_STANDARD,
  ): Promise<AccessAuth> {
    const token = this.bearer(req)
    const claims = await verifyAccessToken(this.o.keyring, token)
    if (!scopes.includes(claims.scope))
      throw new InvalidRequestError('Bad token scope', 'InvalidToken')
    return { type: 'access', did: claims.sub, scope: claims.scope, claims }
  }

  /** Refresh token with the Entryway DID as `aud`. */
  async refresh(
    req: FastifyRequest,
    opts: { allowExpired?: boolean } = {},
  ): Promise<RefreshClaims> {
    return verifyRefreshToken(this.o.keyring, this.bearer(req), {
      audience: [this.o.entrywayDid],
      allowExpired: opts.allowExpired,
    })
  }

  /** Service-auth JWT from a PDS for exactly `nsid`. */
  async service(req: FastifyRequest, nsid: string): Promise<ServiceAuth> {
    if (!PROTECTED_METHODS.has(nsid))
      throw new AuthRequiredError('Service auth is not accepted for this method', 'InvalidToken')
    const token = this.bearer(req)
    const verifyJwt = await loadVerifyJwt()
    // the issuer's document is looked up on behalf of this client (a forged token costs its budget)
    const payload = await verifyJwt(token, this.o.entrywayDid, nsid, (iss, forceRefresh) =>
      this.signingKey(iss, forceRefresh, req.ip),
    ).catch((err: unknown) => {
      if (err instanceof RateLimitExceededError) throw err
      const e = err as { error?: string; message?: string }
      throw new AuthRequiredError(
        e?.message ?? 'Invalid service token',
        e?.error === 'JwtExpired' ? 'ExpiredToken' : 'InvalidToken',
        { cause: err },
      )
    })
    if (payload.lxm !== nsid) throw new AuthRequiredError('Bad token method', 'InvalidToken')
    return { type: 'service', did: payload.iss, lxm: nsid }
  }

  /** Access token or, when the JWT is not one of ours (typ JWT), a PDS service token for `nsid`. */
  async accessOrService(
    req: FastifyRequest,
    nsid: string,
    scopes: readonly AuthScope[] = ACCESS_STANDARD,
  ): Promise<AccessAuth | ServiceAuth> {
    const token = this.bearer(req)
    return looksLikeSessionToken(token) ? this.access(req, scopes) : this.service(req, nsid)
  }

  /**
   * `Authorization: Basic admin:<PDS admin password>`, constant-time. A wrong password presented is
   * a security event: logged (address only, never the secret) and counted per client address
   * (`adminFailures`); once the address has spent its failures it is refused before any check.
   */
  async adminBasic(req: FastifyRequest): Promise<void> {
    const basic = parseBasicAuth(req.headers.authorization)
    const failures = this.o.adminFailures
    if (basic && failures) await failures.check(req.ip)
    const expected = this.o.adminPassword
    if (!basic || !expected || basic.username !== 'admin' || !safeEqual(basic.password, expected)) {
      if (basic) {
        req.log.warn(
          { event: 'admin_auth_failed', ip: req.ip, url: req.routeOptions.url },
          'admin password rejected',
        )
        await failures?.hit(req.ip)
      }
      throw new AuthRequiredError('Admin credentials required')
    }
  }

  /**
   * A moderator method: Basic admin, or a Bearer service JWT from a configured moderation service
   * (checked as the reference PDS's `modService`: key `#atproto_label` for `…#atproto_labeler`
   * issuers, `#atproto` otherwise). A bad token counts as a failed admin credential.
   */
  async moderator(req: FastifyRequest, nsid: string): Promise<ModeratorAuth> {
    if (!parseBearer(req.headers.authorization)) {
      await this.adminBasic(req)
      return { type: 'admin' }
    }
    return { type: 'mod_service', did: await this.modService(req, nsid) }
  }

  /** Whether a Bearer token claims to come from a configured moderation service (unverified: routing only). */
  isModServiceToken(req: FastifyRequest): boolean {
    const iss = unverifiedIssuer(parseBearer(req.headers.authorization))
    return iss !== null && this.modIssuers().has(iss)
  }

  private async modService(req: FastifyRequest, nsid: string): Promise<string> {
    const failures = this.o.adminFailures
    if (failures) await failures.check(req.ip)
    const issuers = this.modIssuers()
    try {
      if (issuers.size === 0) throw new AuthRequiredError('Untrusted issuer', 'UntrustedIss')
      const token = this.bearer(req)
      const verifyJwt = await loadVerifyJwt()
      const payload = await verifyJwt(
        token,
        this.o.entrywayDid,
        nsid,
        async (iss, forceRefresh) => {
          if (!issuers.has(iss)) throw new AuthRequiredError('Untrusted issuer', 'UntrustedIss')
          return this.modServiceKey(iss, forceRefresh, req.ip)
        },
      ).catch((err: unknown) => {
        if (err instanceof RateLimitExceededError || err instanceof AuthRequiredError) throw err
        const e = err as { error?: string; message?: string }
        throw new AuthRequiredError(
          e?.message ?? 'Invalid service token',
          e?.error === 'JwtExpired' ? 'ExpiredToken' : (e?.error ?? 'InvalidToken'),
          { cause: err },
        )
      })
      // verifyJwt refuses a token whose `lxm` is missing or another method (BadJwtLexiconMethod)
      return payload.iss
    } catch (err) {
      if (!(err instanceof RateLimitExceededError)) {
        req.log.warn(
          { event: 'mod_service_auth_failed', ip: req.ip, url: req.routeOptions.url },
          'moderation service token rejected',
        )
        await failures?.hit(req.ip)
      }
      throw err
    }
  }

  private modIssuers(): Set<string> {
    const out = new Set<string>()
    for (const did of this.o.modServiceDids ?? []) out.add(did).add(`${did}#atproto_labeler`)
    return out
  }

  private async modServiceKey(iss: string, forceRefresh: boolean, client: string): Promise<string> {
    const [did, frag] = iss.split('#')
    const doc = await this.o.didResolver.resolve(did!, { forceRefresh, client })
    const key = doc ? didKeyOf(doc, frag === 'atproto_labeler' ? 'atproto_label' : 'atproto') : null
    if (!key) throw new AuthRequiredError('Missing or bad key in DID document', 'InvalidToken')
    return key
  }

  private bearer(req: FastifyRequest): string {
    const token = parseBearer(req.headers.authorization)
    if (!token) throw new AuthRequiredError('Authentication Required')
    return token
  }

  private async signingKey(iss: string, forceRefresh: boolean, client: string): Promise<string> {
    const [did, frag] = iss.split('#')
    if (frag)
      throw new AuthRequiredError(
        'Service tokens must be issued by the account itself',
        'InvalidToken',
      )
    const doc = await this.o.didResolver.resolve(did!, { forceRefresh, client })
    // getKey (not common-web's getSigningDidKey) also reads the legacy
    // EcdsaSecp256k1VerificationKey2019 entries that did-method-plc still serves.
    let key: string | undefined
    try {
      key = doc ? getKey(doc as Parameters<typeof getKey>[0] & DidDocument) : undefined
    } catch {
      key = undefined
    }
    if (!key) throw new AuthRequiredError('Missing or bad key in DID document', 'InvalidToken')
    return key
  }
}

/** `iss` of a JWT, unverified. */
function unverifiedIssuer(token: string | null | undefined): string | null {
  try {
    const p = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8'))
    return typeof p?.iss === 'string' ? p.iss : null
  } catch {
    return null
  }
}

/** The `did:key` of the DID document's verification method `#<id>` (Multikey or legacy secp256k1/p256). */
function didKeyOf(doc: DidDocument, id: string): string | null {
  try {
    const material = getVerificationMaterial(
      doc as Parameters<typeof getVerificationMaterial>[0],
      id,
    )
    return material ? (getDidKeyFromMultibase(material) ?? null) : null
  } catch {
    return null
  }
}

/** Our session tokens say `typ: at+jwt`; PDS service tokens say `typ: JWT`. */
function looksLikeSessionToken(token: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'))
    return typeof header?.typ === 'string' && header.typ.toLowerCase().endsWith('at+jwt')
  } catch {
    return false
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * @atproto/xrpc-server's service-JWT check, loaded on the first service token: the module brings
 * the whole XRPC server framework (~35 MB of RSS) that nothing else in the Entryway needs.
 */
async function loadVerifyJwt(): Promise<typeof XrpcServer.verifyJwt> {
  return (await import('@atproto/xrpc-server')).verifyJwt
}
