import type { FastifyRequest } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'

/** The named query parameters, each given at most once (a repeated one is the client's mistake). */
export function singleParams(
  req: FastifyRequest,
  names: readonly string[],
): Record<string, string> {
  const q = (req.query ?? {}) as Record<string, unknown>
  const out: Record<string, string> = {}
  for (const k of names) {
    const v = q[k]
    if (Array.isArray(v)) throw new InvalidRequestError(`${k} must be given once`)
    if (typeof v === 'string') out[k] = v
  }
  return out
}
