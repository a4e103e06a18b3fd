import type { FastifyBaseLogger } from 'fastify'
import { InvalidRequestError, UpstreamFailureError } from '@entryway/xrpc'
import {
  assertCustomHandle,
  assertServiceHandle,
  normalizeHandle,
  serviceDomainOf,
} from './handle-rules.js'
import type { ResolvedPlacementOptions } from './options.js'

/**
 * identity.updateHandle: validate, then PLC (signed by the Entryway rotation key;
 * the PDS checks the DID document against the new handle, so PLC goes first), then the PDS's
 * `admin.updateAccountHandle` (it sequences the #identity event), then our row. A later step
 * failing puts the earlier ones back.
 */
export class HandleUpdater {
  constructor(private readonly o: ResolvedPlacementOptions) {}

  /**
   * `byAdmin` (admin.updateAccountHandle, the reference PDS's `allowAnyValid`): any valid handle on
   * a service domain (reserved and short names too), and a taken-down account may be renamed.
   */
  async update(
    did: string,
    rawHandle: unknown,
    log: FastifyBaseLogger,
    opts: { byAdmin?: boolean } = {},
  ): Promise<void> {
    const o = this.o
    const handle = normalizeHandle(rawHandle)
    const domain = serviceDomainOf(handle, o.handleDomains)
    if (domain) {
      if (!opts.byAdmin) assertServiceHandle(handle, domain, o.reservedHandles)
      else if (handle.slice(0, handle.length - domain.length).includes('.'))
        throw new InvalidRequestError('Invalid characters in handle', 'InvalidHandle')
    } else {
      assertCustomHandle(handle)
      const resolved = await o.externalHandles?.resolve(handle).catch(() => undefined)
      if (resolved !== did) throw new InvalidRequestError('External handle did not resolve to DID')
    }
    const account = await o.accounts.getByDid(did)
    if (!account || account.status === 'deleted')
      throw new InvalidRequestError('Account not found', 'AccountNotFound')
    if (account.status === 'takendown' && !opts.byAdmin)
      throw new InvalidRequestError('Account has been taken down', 'AccountTakedown')
    if (account.handle !== handle && (await o.accounts.isHandleTaken(handle))) {
      throw new InvalidRequestError(`Handle already taken: ${handle}`, 'HandleNotAvailable')
    }
    const host = await o.hosts.get(account.hostId)
    if (!host) throw new UpstreamFailureError('The account has no host')
    const old = account.handle

    await o.plc.updateHandle(did, o.rotationKey, handle).catch((err: unknown) => {
      throw new UpstreamFailureError('PLC refused the handle update', { cause: err })
    })
    try {
      await o.pds.updateAccountHandle(host, did, handle)
    } catch (err) {
      await this.revertPlc(did, old, log)
      throw new UpstreamFailureError('The PDS refused the handle update', { cause: err })
    }
    if ((await o.accounts.setHandle(did, handle)) === 'taken') {
      // lost a race for the handle after the checks: put PLC and the PDS back
      await this.revertPlc(did, old, log)
      await o.pds
        .updateAccountHandle(host, did, old)
        .catch((err: unknown) => log.error({ err, did }, 'handle revert on pds failed'))
      throw new InvalidRequestError(`Handle already taken: ${handle}`, 'HandleNotAvailable')
    }
  }

  private async revertPlc(did: string, handle: string, log: FastifyBaseLogger): Promise<void> {
    await this.o.plc
      .updateHandle(did, this.o.rotationKey, handle)
      .catch((err: unknown) => log.error({ err, did }, 'handle revert on plc failed'))
  }
}
