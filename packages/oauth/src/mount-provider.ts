import type { IncomingMessage, ServerResponse } from 'node:http'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HTTPMethods,
} from 'fastify'
import { OAuthError } from '@atproto/oauth-provider/errors'
import { oauthMiddleware } from '@atproto/oauth-provider/middleware'
import type { OAuthProvider } from '@atproto/oauth-provider/provider'
import { providerRequest } from './request-context.js'

/** Every path the provider's router answers (metadata, OAuth endpoints, UI pages, UI API, assets). */
export const PROVIDER_PATHS = [
  '/.well-known/oauth-authorization-server',
  '/.well-known/change-password',
  '/oauth/*',
  '/account',
  '/account/*',
  '/@atproto/oauth-provider/*',
] as const

const METHODS: HTTPMethods[] = ['GET', 'POST', 'OPTIONS']

/** Expected outcomes of sign-in and DPoP, not worth a warning. */
const QUIET_ERRORS = new Set([
  'use_dpop_nonce',
  'second_authentication_factor_required',
  'invalid_dpop_proof',
])

/** An http-errors style error (`status`/`statusCode`) that blames the request, not us. */
function isClientFault(err: unknown): boolean {
  const e = err as { status?: unknown; statusCode?: unknown } | null
  const status =
    typeof e?.statusCode === 'number'
      ? e.statusCode
      : typeof e?.status === 'number'
        ? e.status
        : 500
  return status >= 400 && status < 500
}

/**
 * Mounts the provider's node middleware on Fastify routes. The routes live in their own
 * encapsulated scope whose content-type parser leaves the body unread, because the provider parses
 * the raw request stream itself; each handler hijacks the reply and hands over `req.raw`/`reply.raw`.
 */
export async function mountProvider(app: FastifyInstance, provider: OAuthProvider): Promise<void> {
  const requests = new WeakMap<IncomingMessage, FastifyRequest>()
  const logFor = (raw: IncomingMessage): FastifyBaseLogger => requests.get(raw)?.log ?? app.log

  const handler = oauthMiddleware(provider, {
    onError: (raw, _res, err, message) => {
      const log = logFor(raw)
      if (err instanceof OAuthError && (err.statusCode < 500 || QUIET_ERRORS.has(err.error))) {
        log.info({ error: err.error, description: err.error_description }, 'oauth request rejected')
      } else if (isClientFault(err)) {
        // the provider's other 4xx (a navigation without sec-fetch headers, a bad UI API call)
        log.info(
          { err: { name: (err as Error).name, message: (err as Error).message } },
          'oauth request rejected',
        )
      } else {
        log.error({ err }, `oauth provider: ${message}`)
      }
    },
  })

  await app.register(async function providerRoutes(scope) {
    scope.removeAllContentTypeParsers()
    // Leave the stream untouched: the provider reads it.
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null))

    const serve = (req: FastifyRequest, reply: FastifyReply) => {
      reply.hijack()
      const res: ServerResponse = reply.raw
      requests.set(req.raw, req)
      providerRequest.run({ ip: req.ip }, () =>
        handler(req.raw, res, (err?: unknown) => {
          if (err) req.log.error({ err }, 'oauth provider failed')
          if (res.headersSent) {
            if (!res.writableEnded) res.end()
            return
          }
          const status = err ? 500 : 404
          res.writeHead(status, { 'content-type': 'application/json' })
          res.end(
            JSON.stringify(
              err
                ? { error: 'server_error', error_description: 'Internal server error' }
                : { error: 'not_found', error_description: 'Not found' },
            ),
          )
        }),
      )
    }
    for (const url of PROVIDER_PATHS) {
      // the provider parses and answers its own input, in OAuth's error shape
      scope.route({
        method: METHODS,
        url,
        exposeHeadRoute: false,
        handler: serve,
        config: { rawInput: true },
      })
    }
  })
}
