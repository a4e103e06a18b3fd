import { Client, createUpdateOp, type Operation } from '@did-plc/lib'
import type { Keypair } from '@atproto/crypto'
import { InvalidRequestError, UpstreamFailureError } from '@entryway/xrpc'

export interface PlcUpdate {
  rotationKeys?: string[]
  alsoKnownAs?: string[]
  verificationMethods?: Record<string, string>
  services?: Record<string, { type: string; endpoint: string }>
}

/** PLC operations signed with the Entryway's rotation key. */
export interface PlcOperator {
  /** A signed update of the DID's last operation, returned for the client to submit via its PDS. */
  signUpdate(did: string, update: PlcUpdate): Promise<Record<string, unknown>>
  /** Ends the DID (account deletion). */
  tombstone(did: string): Promise<void>
}

export class DidPlcOperator implements PlcOperator {
  private readonly client: Client
  constructor(
    plcUrl: string,
    private readonly rotationKey: Keypair,
  ) {
    this.client = new Client(plcUrl)
  }

  async signUpdate(did: string, update: PlcUpdate): Promise<Record<string, unknown>> {
    const last = await this.client.getLastOp(did).catch((err: unknown) => {
      throw new UpstreamFailureError('Could not read the DID from PLC', { cause: err })
    })
    if ('type' in last && last.type === 'plc_tombstone')
      throw new InvalidRequestError('Did is tombstoned')
    const op: Operation = await createUpdateOp(last, this.rotationKey, (prev) => ({
      ...prev,
      rotationKeys: update.rotationKeys ?? prev.rotationKeys,
      alsoKnownAs: update.alsoKnownAs ?? prev.alsoKnownAs,
      verificationMethods: update.verificationMethods ?? prev.verificationMethods,
      services: update.services ?? prev.services,
    }))
    return op
  }

  async tombstone(did: string): Promise<void> {
    // idempotent: a retry after a tombstone that landed (its answer lost) is done, not an error
    const last = await this.client.getLastOp(did).catch((err: unknown) => {
      throw new UpstreamFailureError('Could not read the DID from PLC', { cause: err })
    })
    if ('type' in last && last.type === 'plc_tombstone') return
    await this.client.tombstone(did, this.rotationKey).catch((err: unknown) => {
      throw new UpstreamFailureError('PLC refused the tombstone', { cause: err })
    })
  }
}
