import { randomUUID } from 'node:crypto'
import * as plc from '@did-plc/lib'
import { parseDidKey } from '@atproto/crypto'
import type { FastifyBaseLogger } from 'fastify'
import { hashPassword, NEW_PASSWORD_MAX_LENGTH } from '@entryway/session'
import {
  InvalidRequestError,
  ServiceUnavailableError,
  UpstreamFailureError,
  UpstreamTimeoutError,
  XrpcError,
} from '@entryway/xrpc'
import { normalizeEmail } from './email-rules.js'
import { validateSignupHandle } from './handle-rules.js'
import type { Host } from './host.js'
import { inviteAvailable } from './invite-store.js'
import type { ResolvedPlacementOptions } from './options.js'
import type { HostLoad } from './placement-strategy.js'
import { signupRequestKey } from './request-key.js'
import { rollbackSignup } from './signup-rollback.js'
import type { SignupRecord } from './signup-store.js'
import { UpstreamCallError } from './upstream-call.js'

export interface CreateAccountInput {
  email?: unknown
  handle?: unknown
  password?: unknown
  inviteCode?: unknown
  recoveryKey?: unknown
  did?: unknown
  plcOp?: unknown
}

export interface CreatedAccount {
  accessJwt: string
  refreshJwt: string
  handle: string
  did: string
  /** The document as the PDS (or PLC) wrote it, passed on. */
  didDoc?: { [k: string]: unknown }
}

const POLL_MS = 200

/**
 * createAccount across the fleet: checks, a pending row, then reserveSigningKey →
 * genesis op signed by the Entryway rotation key → PDS createAccount (which submits the op) →
 * account row → session. Every failure leaves either a complete account or nothing visible.
 */
export class AccountCreator {
  constructor(private readonly o: ResolvedPlacementOptions) {}

  async create(input: CreateAccountInput, log: FastifyBaseLogger): Promise<CreatedAccount> {
    const o = this.o
    if (input.plcOp !== undefined) throw new InvalidRequestError('Unsupported input: "plcOp"')
    if (input.did !== undefined)
      throw new InvalidRequestError(
        'Bringing a DID is not supported by this service',
        'UnresolvableDid',
      )
    const handle = validateSignupHandle(input.handle, o.handleDomains, o.reservedHandles)
    const email = normalizeEmail(input.email)
    const password = input.password
    if (typeof password !== 'string' || password.length === 0)
      throw new InvalidRequestError('Password is required', 'InvalidPassword')
    if (password.length > NEW_PASSWORD_MAX_LENGTH) {
      throw new InvalidRequestError(
        `Password too long. Maximum length is ${NEW_PASSWORD_MAX_LENGTH} characters.`,
        'InvalidPassword',
      )
    }
    const recoveryKey = parseRecoveryKey(input.recoveryKey)
    const inviteCode = o.inviteRequired ? await this.checkInvite(input.inviteCode) : null

    const requestKey = signupRequestKey(o.requestKeySecret, { handle, email, password, inviteCode })
    const replay = await this.replayOrWait(requestKey, log)
    if (replay) return replay

    // A conflict may be our own identical request that started in between: that one is waited for.
    const conflict = async (what: 'handle' | 'email'): Promise<CreatedAccount> => {
      const again = await this.replayOrWait(requestKey, log)
      if (again) return again
      if (what === 'handle')
        throw new InvalidRequestError(`Handle already taken: ${handle}`, 'HandleNotAvailable')
      throw new InvalidRequestError(`Email already taken: ${email}`)
    }
    if (await o.accounts.isHandleTaken(handle)) return conflict('handle')
    if (await o.accounts.isEmailTaken(email)) return conflict('email')

    // scrypt (~50 ms of CPU) overlaps the host's key reservation; the hash is stored with the
    // key_reserved step, the first one the reconciler might need it for
    const hashing = hashPassword(password)
    hashing.catch(() => {})
    const id = randomUUID()
    const begun = await o.signups.begin({
      id,
      handle,
      email,
      requestKey,
      passwordScrypt: '',
      inviteCode,
    })
    if (!begun.ok) return conflict(begun.conflict)
    const signup = (await o.signups.get(id))!
    return this.run(signup, recoveryKey, hashing, log)
  }

  private async run(
    s: SignupRecord,
    recoveryKey: string | null,
    hashing: Promise<string>,
    log: FastifyBaseLogger,
  ): Promise<CreatedAccount> {
    const o = this.o
    const tried = new Set<number>()
    let host: Host | null = null
    let signingKey: string | null = null
    // Only unreachable hosts are retried: nothing was created on them.
    for (let attempt = 0; attempt < o.hostAttempts && !signingKey; attempt++) {
      host = await this.pickHost(tried)
      if (!host) break
      tried.add(host.id)
      try {
        signingKey = await o.pds.reserveSigningKey(host)
      } catch (err) {
        log.warn({ err, host: host.url }, 'reserveSigningKey failed')
        if (err instanceof UpstreamCallError && err.kind !== 'rejected') {
          await o.hosts
            .recordHealth(
              host.id,
              { ok: false, at: new Date().toISOString(), error: err.message },
              1,
            )
            .catch(() => {})
          continue
        }
        await o.signups.advance(s.id, 'pending', {
          state: 'failed',
          error: `reserveSigningKey: ${(err as Error).message}`.slice(0, 500),
        })
        throw toClientError(err, 'The PDS refused to reserve a signing key')
      }
    }
    if (!host || !signingKey) {
      await o.signups.advance(s.id, 'pending', { state: 'failed', error: 'no host available' })
      if (tried.size > 0) throw new UpstreamFailureError('No PDS host could be reached')
      throw new ServiceUnavailableError('No PDS host is accepting new accounts')
    }

    const rotationKeys = [...(recoveryKey ? [recoveryKey] : []), o.rotationKey.did()]
    const { op, did } = await plc.createOp({
      signingKey,
      rotationKeys,
      handle: s.handle,
      pds: host.url,
      signer: o.rotationKey,
    })
    const passwordScrypt = await hashing
    const rec: SignupRecord = {
      ...s,
      passwordScrypt,
      did,
      hostId: host.id,
      signingKey,
      plcOp: JSON.stringify(op),
      state: 'key_reserved',
    }
    await o.signups.advance(s.id, 'pending', {
      state: 'key_reserved',
      did,
      hostId: host.id,
      signingKey,
      plcOp: rec.plcOp,
      passwordScrypt,
    })

    const rollbackDeps = {
      signups: o.signups,
      pds: o.pds,
      plc: o.plc,
      rotationKey: o.rotationKey,
      log,
    }
    let didDoc: unknown
    try {
      didDoc = (await o.pds.createAccount(host, { did, handle: s.handle, plcOp: op })).didDoc
    } catch (err) {
      log.warn({ err, did, host: host.url }, 'pds createAccount failed')
      const holds =
        err instanceof UpstreamCallError && err.ambiguous
          ? await o.pds.hasAccount(host, did)
          : false
      if (holds === null) {
        // Cannot tell: the reconciler decides later; the row keeps the handle until then.
        throw new UpstreamTimeoutError(
          'The PDS did not confirm the account; retry the same request later',
        )
      }
      if (!holds) {
        await rollbackSignup(
          rollbackDeps,
          rec,
          host,
          'key_reserved',
          `createAccount: ${(err as Error).message}`,
          false,
        )
        throw toClientError(err, 'The PDS refused the account')
      }
      log.info({ did, host: host.url }, 'pds holds the account despite the error; continuing')
    }
    await o.signups.advance(s.id, 'key_reserved', { state: 'pds_created' })

    const result = await o.signups.complete(
      s.id,
      'pds_created',
      { did, handle: s.handle, email: s.email, passwordScrypt, hostId: host.id },
      s.inviteCode,
    )
    if (result !== 'ok') {
      await rollbackSignup(
        rollbackDeps,
        { ...rec, state: 'pds_created' },
        host,
        'pds_created',
        `complete: ${result}`,
        true,
      )
      if (result === 'handle_taken')
        throw new InvalidRequestError(`Handle already taken: ${s.handle}`, 'HandleNotAvailable')
      if (result === 'email_taken') throw new InvalidRequestError(`Email already taken: ${s.email}`)
      if (result === 'invite_unavailable')
        throw new InvalidRequestError('Provided invite code not available', 'InvalidInviteCode')
      throw new ServiceUnavailableError('The sign-up was interrupted; retry the same request')
    }
    o.onAccountPlaced({ did, host: host.url })
    const tokens = await o.sessions.issue({ did, pdsDid: host.did })
    return {
      accessJwt: tokens.accessJwt,
      refreshJwt: tokens.refreshJwt,
      handle: s.handle,
      did,
      ...(o.includeDidDoc
        ? { didDoc: (didDoc ?? plc.formatDidDoc({ did, ...op })) as { [k: string]: unknown } }
        : {}),
    }
  }

  /** The strategy's choice among hosts not yet tried, with fresh counts. */
  private async pickHost(exclude: ReadonlySet<number>): Promise<Host | null> {
    const [hosts, counts] = await Promise.all([this.o.hosts.list(), this.o.hosts.accountCounts()])
    const loads: HostLoad[] = hosts
      .filter((h) => !exclude.has(h.id))
      .map((host) => ({ host, accounts: counts.get(host.id) ?? 0 }))
    return this.o.strategy(loads)
  }

  private async checkInvite(code: unknown): Promise<string> {
    if (typeof code !== 'string' || code.length === 0)
      throw new InvalidRequestError('No invite code provided', 'InvalidInviteCode')
    const invite = await this.o.invites.getCode(code)
    if (!invite || !inviteAvailable(invite))
      throw new InvalidRequestError('Provided invite code not available', 'InvalidInviteCode')
    return code
  }

  /**
   * An identical request seen before: completed recently → the same account, with a new session;
   * still in flight → wait for it (bounded). Otherwise null: go ahead.
   */
  private async replayOrWait(
    requestKey: string,
    log: FastifyBaseLogger,
  ): Promise<CreatedAccount | null> {
    const o = this.o
    const deadline = Date.now() + o.retryWaitMs
    for (;;) {
      const prev = await o.signups.findByRequestKey(requestKey)
      if (!prev || prev.state === 'failed') return null
      if (prev.state === 'complete') {
        if (Date.now() - Date.parse(prev.updatedAt) > o.replayWindowMs || !prev.did) return null
        const account = await o.accounts.getByDid(prev.did)
        const host = account ? await o.hosts.get(account.hostId) : null
        if (!account || !host || account.status === 'deleted' || account.handle !== prev.handle)
          return null
        // A retry gets tokens only for the account exactly as the sign-up left it: after a password
        // change, a takedown or deactivation, a 2FA or email change, the replay is refused (the
        // request then fails as a new sign-up of a taken handle).
        if (
          account.status !== 'active' ||
          (account.updatedAt !== undefined && account.updatedAt !== account.createdAt)
        ) {
          log.warn({ did: account.did }, 'sign-up replay refused: the account changed since')
          return null
        }
        log.info({ did: account.did }, 'identical sign-up replayed')
        const tokens = await o.sessions.issue({ did: account.did, pdsDid: host.did })
        return {
          accessJwt: tokens.accessJwt,
          refreshJwt: tokens.refreshJwt,
          handle: account.handle,
          did: account.did,
        }
      }
      if (Date.now() >= deadline)
        throw new ServiceUnavailableError('An identical sign-up is still in progress; retry later')
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }
}

function parseRecoveryKey(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null
  if (typeof v !== 'string') throw new InvalidRequestError('recoveryKey must be a did:key')
  try {
    parseDidKey(v)
  } catch {
    throw new InvalidRequestError('recoveryKey must be a did:key')
  }
  return v
}

/** Upstream failures as the client sees them: never the PDS's own message. */
function toClientError(err: unknown, rejectedMessage: string): XrpcError {
  if (err instanceof XrpcError) return err
  if (err instanceof UpstreamCallError) {
    if (err.kind === 'timeout')
      return new UpstreamTimeoutError('The PDS did not answer in time', { cause: err })
    if (err.kind === 'unreachable')
      return new UpstreamFailureError('The PDS could not be reached', { cause: err })
    return new UpstreamFailureError(rejectedMessage, { cause: err })
  }
  return new UpstreamFailureError(rejectedMessage, { cause: err })
}
