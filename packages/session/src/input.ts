import type { FastifyRequest } from 'fastify'
import { assertValidXrpcInput } from '@entryway/xrpc'

/** The JSON body, validated against the method's lexicon (400 InvalidRequest otherwise). */
export function readInput<T>(nsid: string, req: FastifyRequest): T {
  const body = req.body ?? {}
  assertValidXrpcInput(nsid, body)
  return body as T
}
