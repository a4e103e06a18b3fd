import * as plc from '@did-plc/lib'
import type { Keypair } from '@atproto/crypto'
import { callJson, UpstreamCallError } from './upstream-call.js'

/** The PLC directory calls placement makes, all with a deadline (@did-plc/lib's client has none). */
export interface PlcClient {
  /** Whether PLC knows the DID (not tombstoned); null when it cannot tell. */
  exists(did: string): Promise<boolean | null>
  /** Signs with `signer` and submits an update of the DID's handle. */
  updateHandle(did: string, signer: Keypair, handle: string): Promise<void>
  /** Ends a DID the Entryway created (rollback of a half-made account). */
  tombstone(did: string, signer: Keypair): Promise<void>
}

export class UndiciPlcClient implements PlcClient {
  private readonly base: string

  constructor(
    plcUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.base = plcUrl.replace(/\/+$/, '')
  }

  async exists(did: string): Promise<boolean | null> {
    try {
      await callJson(`${this.base}/${encodeURIComponent(did)}/data`, {
        method: 'GET',
        timeoutMs: this.timeoutMs,
      })
      return true
    } catch (err) {
      // 404: never created; 410: tombstoned
      if (err instanceof UpstreamCallError && (err.status === 404 || err.status === 410))
        return false
      return null
    }
  }

  async updateHandle(did: string, signer: Keypair, handle: string): Promise<void> {
    const last = await this.lastOp(did)
    const op = await plc.updateHandleOp(last, signer, handle)
    await this.send(did, op)
  }

  async tombstone(did: string, signer: Keypair): Promise<void> {
    const { body } = await callJson(`${this.base}/${encodeURIComponent(did)}/log/audit`, {
      method: 'GET',
      timeoutMs: this.timeoutMs,
    })
    const log = Array.isArray(body) ? (body as Array<{ cid?: unknown }>) : []
    const prev = log.at(-1)?.cid
    if (typeof prev !== 'string')
      throw new UpstreamCallError('rejected', 'PLC audit log has no operations', 200, null)
    const op = await plc.addSignature({ type: 'plc_tombstone' as const, prev }, signer)
    await this.send(did, op)
  }

  private async lastOp(did: string): Promise<plc.CompatibleOp> {
    const { body } = await callJson(`${this.base}/${encodeURIComponent(did)}/log/last`, {
      method: 'GET',
      timeoutMs: this.timeoutMs,
    })
    const op = body as { type?: unknown }
    if (!op || op.type === 'plc_tombstone')
      throw new UpstreamCallError('rejected', 'DID is tombstoned', 410, 'DidTombstoned')
    return body as plc.CompatibleOp
  }

  private async send(did: string, op: unknown): Promise<void> {
    await callJson(`${this.base}/${encodeURIComponent(did)}`, {
      method: 'POST',
      body: op,
      timeoutMs: this.timeoutMs,
    })
  }
}
