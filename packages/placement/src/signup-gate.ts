import { createHash, randomBytes } from 'node:crypto'
import { EntrywayConfigError, InvalidRequestError } from '@entryway/xrpc'
import { CAPTCHA_PROVIDERS, isCaptchaProvider, type CaptchaProvider } from './captcha-provider.js'
import { verifyCaptchaToken, type CaptchaVerdict } from './captcha-verifier.js'
import type { GateCodeStore } from './gate-code-store.js'

export const DEFAULT_GATE_CODE_TTL_MS = 10 * 60_000
export const DEFAULT_GATE_VERIFY_TIMEOUT_MS = 10_000
/** Where the Bluesky app's web view waits for `code` and `state` (social-app's CaptchaWebView). */
export const DEFAULT_GATE_REDIRECTS = ['https://bsky.app/']

export interface SignupGateOptions {
  provider: CaptchaProvider
  /** Shown on the challenge page. */
  serviceName: string
  siteKey: string
  secret: string
  store: GateCodeStore
  /** The provider's siteverify unless set (tests and the lab point it at a stand-in). */
  verifyUrl?: string
  /** The widget script; the provider's unless set. */
  scriptUrl?: string
  /**
   * Where a passed captcha redirects with `code` and `state`. The first is the default; a client
   * may name another of them with `redirect_url` (migration tools on their own site).
   * @default DEFAULT_GATE_REDIRECTS
   */
  redirects?: string[]
  /** @default DEFAULT_GATE_CODE_TTL_MS */
  codeTtlMs?: number
  /** @default DEFAULT_GATE_VERIFY_TIMEOUT_MS */
  verifyTimeoutMs?: number
}

const P = '@entryway/placement signupGate'
const STATE = /^[A-Za-z0-9._~-]{1,128}$/
const HANDLE = /^[a-z0-9.-]{3,253}$/

/**
 * The captcha gate of sign-up, as the Bluesky app drives it: `/gate/signup?handle&state` shows the
 * challenge, a passed one redirects with a `code`, and createAccount takes it as
 * `verificationCode`. A code is single-use, short-lived and good only for the handle it was
 * issued for; codes live in the shared store so any instance can check one.
 */
export class SignupGate {
  readonly provider: CaptchaProvider
  readonly serviceName: string
  readonly siteKey: string
  readonly scriptUrl: string
  readonly redirects: readonly string[]
  readonly codeTtlMs: number
  private readonly verifyOpts: {
    verifyUrl: string
    secret: string
    siteKey: string
    timeoutMs: number
  }
  private readonly store: GateCodeStore

  constructor(o: SignupGateOptions) {
    if (!o || typeof o !== 'object') throw new EntrywayConfigError(`${P}: options are required`)
    if (!isCaptchaProvider(o.provider))
      throw new EntrywayConfigError(
        `${P}: provider must be one of ${Object.keys(CAPTCHA_PROVIDERS).join(', ')}`,
      )
    for (const k of ['serviceName', 'siteKey', 'secret'] as const)
      if (typeof o[k] !== 'string' || !o[k]) throw new EntrywayConfigError(`${P}: ${k} is required`)
    if (!o.store) throw new EntrywayConfigError(`${P}: store is required`)
    const p = CAPTCHA_PROVIDERS[o.provider]
    this.provider = o.provider
    this.serviceName = o.serviceName
    this.siteKey = o.siteKey
    this.scriptUrl = httpUrl(o.scriptUrl ?? p.scriptUrl, 'scriptUrl')
    this.redirects = (o.redirects ?? DEFAULT_GATE_REDIRECTS).map((r) => httpUrl(r, 'redirects'))
    if (this.redirects.length === 0)
      throw new EntrywayConfigError(`${P}: redirects must not be empty`)
    this.codeTtlMs = positive(o.codeTtlMs, DEFAULT_GATE_CODE_TTL_MS, 'codeTtlMs')
    this.verifyOpts = {
      verifyUrl: httpUrl(o.verifyUrl ?? p.verifyUrl, 'verifyUrl'),
      secret: o.secret,
      siteKey: o.siteKey,
      timeoutMs: positive(o.verifyTimeoutMs, DEFAULT_GATE_VERIFY_TIMEOUT_MS, 'verifyTimeoutMs'),
    }
    this.store = o.store
  }

  /** The page's query, checked: `handle` and `state` as the app sends them, `redirect_url` if one. */
  parseRequest(
    q: Record<string, unknown>,
  ): { handle: string; state: string; redirect: string } | { error: string } {
    const handle = typeof q.handle === 'string' ? q.handle.trim().toLowerCase() : ''
    const state = typeof q.state === 'string' ? q.state : ''
    if (!HANDLE.test(handle)) return { error: 'The sign-up link has no valid handle.' }
    if (!STATE.test(state)) return { error: 'The sign-up link has no valid state.' }
    const asked = typeof q.redirect_url === 'string' && q.redirect_url ? q.redirect_url : undefined
    const redirect =
      asked === undefined ? this.redirects[0]! : this.redirects.find((r) => r === asked)
    if (!redirect)
      return { error: 'The sign-up link names a return address this service does not know.' }
    return { handle, state, redirect }
  }

  verifyToken(token: string, remoteIp: string): Promise<CaptchaVerdict> {
    return verifyCaptchaToken(this.verifyOpts, token, remoteIp)
  }

  /** A new code for `handle` (after a passed captcha); stored hashed, valid for `codeTtlMs`. */
  async issue(handle: string, state: string, now = Date.now()): Promise<string> {
    const code = randomBytes(24).toString('base64url')
    await this.store.purgeExpired(new Date(now).toISOString())
    await this.store.put({
      codeHash: hashCode(code),
      handle: handle.toLowerCase(),
      state,
      expiresAt: new Date(now + this.codeTtlMs).toISOString(),
    })
    return code
  }

  /** Spends `code` for a sign-up of `handle`; a clear `InvalidRequest` when it cannot. */
  async consume(code: unknown, handle: string, now = Date.now()): Promise<void> {
    if (code === undefined || code === null || code === '') {
      throw new InvalidRequestError(
        'This service requires a verification code: complete the captcha at /gate/signup first',
      )
    }
    if (typeof code !== 'string' || code.length > 256)
      throw new InvalidRequestError('Invalid verification code')
    const rec = await this.store.take(hashCode(code))
    if (!rec) throw new InvalidRequestError('Invalid verification code (unknown or already used)')
    if (Date.parse(rec.expiresAt) <= now)
      throw new InvalidRequestError('The verification code has expired: complete the captcha again')
    if (rec.handle !== handle.toLowerCase())
      throw new InvalidRequestError('The verification code was issued for another handle')
  }
}

function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex')
}

function httpUrl(v: unknown, name: string): string {
  try {
    const u = new URL(String(v))
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.href
  } catch {
    // reported below
  }
  throw new EntrywayConfigError(`${P}: ${name} must be an http(s) URL`)
}

function positive(v: unknown, d: number, name: string): number {
  if (v === undefined) return d
  if (!Number.isInteger(v) || (v as number) <= 0)
    throw new EntrywayConfigError(`${P}: ${name} must be a positive integer`)
  return v as number
}
