import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { XrpcError } from './errors.js'

/** Maps any thrown error to an XRPC `{ error, message }` body. Exported for direct use in tests. */
export function toXrpcError(err: unknown): XrpcError {
  if (err instanceof XrpcError) return err
  const e = err as Partial<FastifyError> & { validation?: unknown; statusCode?: number }
  if (e && typeof e === 'object') {
    if (e.validation) return new XrpcError(400, 'InvalidRequest', e.message ?? 'Invalid request')
    const code = e.code ?? ''
    const status = e.statusCode ?? 500
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
      return new XrpcError(413, 'PayloadTooLarge', 'Request entity too large')
    }
    // e.g. @entryway/db's DatabaseUnavailableError: a dependency is down, the client may retry
    if (status === 503)
      return new XrpcError(503, 'ServiceUnavailable', e.message || 'Service Unavailable', {
        cause: err,
      })
    if (status === 429)
      return new XrpcError(429, 'RateLimitExceeded', e.message || 'Rate Limit Exceeded')
    if (
      code.startsWith('FST_ERR_CTP_') ||
      code === 'FST_ERR_VALIDATION' ||
      status === 400 ||
      status === 415
    ) {
      return new XrpcError(400, 'InvalidRequest', e.message ?? 'Invalid request')
    }
    if (status >= 400 && status < 500) {
      return new XrpcError(
        status,
        status === 401 ? 'AuthenticationRequired' : 'InvalidRequest',
        e.message,
      )
    }
  }
  return new XrpcError(500, 'InternalServerError', 'Internal Server Error', { cause: err })
}

async function xrpcErrorHandlerPlugin(app: FastifyInstance) {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const xe = toXrpcError(err)
    // 501 is a client asking for what is not served here, not a fault of ours
    if (xe.status >= 500 && xe.status !== 501) req.log.error({ err }, 'request failed')
    else req.log.debug({ err: { name: xe.error, message: xe.message } }, 'request rejected')
    if (xe.headers) reply.headers(xe.headers)
    return reply.status(xe.status).type('application/json; charset=utf-8').send(xe.payload)
  })
}

/**
 * Sets one error handler that answers every error in XRPC shape. Register it once at the root;
 * encapsulated plugins that set their own handler (they should not) would bypass it.
 */
export const xrpcErrorHandler = fp(xrpcErrorHandlerPlugin, {
  name: '@entryway/xrpc',
  fastify: '5.x',
})
