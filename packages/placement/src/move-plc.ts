import * as plc from '@did-plc/lib'
import type { Keypair } from '@atproto/crypto'
import { callJson, UpstreamCallError } from './upstream-call.js'

/** The parts of a DID's PLC state a move reads. */
export interface PlcDocumentState {
  endpoint: string | null
  signingKey: string | null
  handle: string | null
}

/** PLC calls of a move: read the state, build an update that points the DID at a host, send one. */
export interface MovePlc {
  state(did: string): Promise<PlcDocumentState>
  /** An update (prev = the current head) naming `endpoint` and `signingKey`, signed by `signer`. */
  pointAtOp(
    did: string,
    signer: Keypair,
    endpoint: string,
    signingKey: string,
  ): Promise<plc.Operation>
  send(did: string, op: unknown): Promise<void>
}

export class UndiciMovePlc implements MovePlc {
  private readonly base: string

  constructor(
    plcUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.base = plcUrl.replace(/\/+$/, '')
  }

  async state(did: string): Promise<PlcDocumentState> {
    const { body } = await callJson(`${this.base}/${encodeURIComponent(did)}/data`, {
      method: 'GET',
      timeoutMs: this.timeoutMs,
    })
    const d = body as {
      services?: { atproto_pds?: { endpoint?: string } }
      verificationMethods?: { atproto?: string }
      alsoKnownAs?: string[]
    }
    const aka = d.alsoKnownAs?.find((a) => a.startsWith('at://'))
    return {
      endpoint: d.services?.atproto_pds?.endpoint ?? null,
      signingKey: d.verificationMethods?.atproto ?? null,
      handle: aka ? aka.slice('at://'.length) : null,
    }
  }

  async pointAtOp(
    did: string,
    signer: Keypair,
    endpoint: string,
    signingKey: string,
  ): Promise<plc.Operation> {
    const { body } = await callJson(`${this.base}/${encodeURIComponent(did)}/log/last`, {
      method: 'GET',
      timeoutMs: this.timeoutMs,
    })
    const last = body as plc.CompatibleOp | { type: 'plc_tombstone' }
    if (!last || last.type === 'plc_tombstone')
      throw new UpstreamCallError('rejected', 'DID is tombstoned', 410, 'DidTombstoned')
    return plc.createUpdateOp(last, signer, (normalized) => ({
      ...normalized,
      verificationMethods: { ...normalized.verificationMethods, atproto: signingKey },
      services: {
        ...normalized.services,
        atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint },
      },
    }))
  }

  async send(did: string, op: unknown): Promise<void> {
    await callJson(`${this.base}/${encodeURIComponent(did)}`, {
      method: 'POST',
      body: op,
      timeoutMs: this.timeoutMs,
    })
  }
}
