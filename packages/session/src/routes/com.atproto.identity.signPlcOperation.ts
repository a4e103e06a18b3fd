import type { ComAtprotoIdentitySignPlcOperation } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireAccount } from '../account-lookup.js'
import { checkEmailToken, useEmailToken } from '../email-flow.js'
import { AuthScope } from '../scopes.js'
import type { PlcUpdate } from '../plc-operator.js'

const NSID = 'com.atproto.identity.signPlcOperation'
type Input = ComAtprotoIdentitySignPlcOperation.InputSchema
type Output = ComAtprotoIdentitySignPlcOperation.OutputSchema
const SCOPES = [AuthScope.Access, AuthScope.Takendown]

export const signPlcOperationRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req): Promise<Output> => {
      const auth = await deps.authVerifier.accessOrService(req, NSID, SCOPES)
      const input = readInput<Input>(NSID, req)
      if (!input.token)
        throw new InvalidRequestError('email confirmation token required to sign PLC operations')
      const update: PlcUpdate = {
        rotationKeys: input.rotationKeys,
        alsoKnownAs: input.alsoKnownAs,
        verificationMethods: verificationMethods(input.verificationMethods),
        services: services(input.services),
      }
      await requireAccount(deps, auth.did)
      await checkEmailToken(deps, auth.did, 'plc_operation', input.token)
      const operation = await deps.plc.signUpdate(auth.did, update)
      await useEmailToken(deps, auth.did, 'plc_operation', input.token)
      return { operation }
    })
  },
}

// The lexicon types these as `unknown`: check their shape here (the PDS only casts them).
function verificationMethods(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined
  if (
    !isRecord(v) ||
    !Object.values(v).every((k) => typeof k === 'string' && k.startsWith('did:key:'))
  ) {
    throw new InvalidRequestError('verificationMethods must map names to did:key strings')
  }
  return v as Record<string, string>
}

function services(v: unknown): Record<string, { type: string; endpoint: string }> | undefined {
  if (v === undefined) return undefined
  const ok =
    isRecord(v) &&
    Object.values(v).every(
      (s) =>
        isRecord(s) &&
        typeof s.type === 'string' &&
        typeof s.endpoint === 'string' &&
        Object.keys(s).length === 2,
    )
  if (!ok) throw new InvalidRequestError('services must map names to {type, endpoint}')
  return v as Record<string, { type: string; endpoint: string }>
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
