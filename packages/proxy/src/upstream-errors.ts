import {
  ForbiddenError,
  InvalidRequestError,
  UpstreamFailureError,
  UpstreamTimeoutError,
  ServiceUnavailableError,
  UpstreamUnavailableError,
  type XrpcError,
} from '@entryway/xrpc'
import { CircuitOpenError } from './upstream-dispatcher.js'

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

/**
 * An undici failure to reach or hear from the PDS, as the XRPC error the client gets: 502, 503
 * or 504, never 500 (the PDS is the one that failed, not the Entryway). A PDS the SSRF guard
 * will not connect to (a name that resolves to a private address) failed nothing: the DID the
 * client named points there, so it is a 403 like any PDS outside the fleet.
 * The client's own body breaking the exchange is a 400.
 */
export function mapUpstreamError(err: unknown): XrpcError {
  if (err instanceof CircuitOpenError) {
    return new UpstreamUnavailableError(
      `The PDS ${err.host} is not answering; retry in ${err.retryAfterSeconds} s`,
      err.retryAfterSeconds,
      { cause: err },
    )
  }
  const codes = errorCodes(err)
  // the client's body ended before its content-length (or ran past it): its mistake, not the PDS's
  if (codes.includes('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH')) {
    return new InvalidRequestError(
      'The request body does not match its content-length',
      'InvalidRequest',
      { cause: err },
    )
  }
  if (codes.some((c) => TIMEOUT_CODES.has(c)))
    return new UpstreamTimeoutError('The PDS did not answer in time', { cause: err })
  if (codes.includes('ERR_UPSTREAM_NOT_ALLOWED') || codes.includes('ERR_NON_PUBLIC_ADDRESS')) {
    return new ForbiddenError(
      'The PDS of that account is not one this Entryway forwards to',
      'UpstreamNotAllowed',
      { cause: err },
    )
  }
  if (codes.includes('ERR_UPSTREAM_STATUS')) {
    // a call the Entryway made itself was answered, but not with what it asked for
    return new UpstreamFailureError(
      `The PDS did not answer as expected (${(err as Error).message})`,
      { cause: err },
    )
  }
  if (codes.includes('ENOTFOUND')) {
    return new ServiceUnavailableError('The PDS is unavailable', 'ServiceUnavailable', {
      cause: err,
    })
  }
  return new UpstreamFailureError('The PDS could not be reached', { cause: err })
}

/** `code` of the error and of its causes (a DNS or socket error may sit under undici's). */
function errorCodes(err: unknown): string[] {
  const out: string[] = []
  let e = err as { code?: unknown; cause?: unknown } | undefined
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string') out.push(e.code)
    e = e.cause as typeof e
  }
  return out
}
