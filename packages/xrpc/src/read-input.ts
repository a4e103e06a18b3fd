import type { FastifyRequest } from 'fastify'
import { assertValidXrpcInput } from './lexicon-validate.js'

/**
 * A procedure's JSON body, validated against its lexicon and typed as its `InputSchema`
 * (400 `InvalidRequest` otherwise). A missing body is `{}`: PDSes forward body-less procedures.
 */
export function readInput<T extends object>(nsid: string, req: FastifyRequest): T {
  const body = req.body ?? {}
  assertValidXrpcInput(nsid, body)
  return body as T
}
