import type { FastifyInstance, FastifyServerOptions } from 'fastify'

/**
 * Fields that must never reach a log line, wherever they sit: credentials in headers, passwords
 * and tokens in bodies or error details. pino's `*` matches one level, so the common depths are
 * listed. Request headers are not logged at all (one line per request, below); these guard
 * anything that logs an object carrying them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["dpop"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.headers["dpop"]',
  'authorization',
  'cookie',
  '*.authorization',
  '*.cookie',
  'password',
  'newPassword',
  'accessJwt',
  'refreshJwt',
  'token',
  '*.password',
  '*.newPassword',
  '*.accessJwt',
  '*.refreshJwt',
  '*.token',
  '*.authFactorToken',
  '*.plcOp',
]

/**
 * Query parameters whose values are credentials (OAuth codes, email tokens…): logged as
 * `[redacted]`. XRPC's `rkey` (a record key) is not one.
 */
const SECRET_PARAM =
  /code|token|secret|password|passwd|state|jwt|(?<!r)key|sig|assertion|request_uri/i

export function loggerOptions(
  level: string,
  stream?: { write(line: string): void },
): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(stream ? { stream } : {}),
  }
}

/** The URL as logged: path, and the query with secret-looking values replaced. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?')
  // most queries name nothing secret-looking: then there is nothing to rewrite
  if (q < 0 || !SECRET_PARAM.test(url.slice(q + 1))) return url
  const params = new URLSearchParams(url.slice(q + 1))
  for (const key of new Set(params.keys())) {
    if (SECRET_PARAM.test(key)) params.set(key, '[redacted]')
  }
  return `${url.slice(0, q)}?${params.toString().replace(/%5Bredacted%5D/g, '[redacted]')}`
}

/**
 * One JSON line per request, when it is answered (Fastify's own two lines are turned off with
 * `disableRequestLogging`): method, URL with secrets redacted, route, status, time, client IP.
 * No header is logged. Routes with a `logLevel` above info (health, metrics) stay quiet.
 * Callback style, and nothing is built when the line would be dropped: it runs on every request.
 * The level is the one set at start (ENTRYWAY_LOG_LEVEL): above `info` there is no hook at all,
 * as an operator running with request lines off pays nothing per request for them.
 */
export function registerRequestLog(app: FastifyInstance): void {
  const root = app.log as { isLevelEnabled?: (level: string) => boolean }
  if (typeof root.isLevelEnabled === 'function' && !root.isLevelEnabled('info')) return
  app.addHook('onResponse', (req, reply, done) => {
    const log = req.log
    // pino can say whether info is on; Fastify's no-op logger (logger: false) cannot
    const enabled = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled
    if (typeof enabled !== 'function' || enabled.call(log, 'info')) {
      log.info(
        // flat fields: pino's req/res serializers would rebuild (and drop) nested ones
        {
          method: req.method,
          url: loggableUrl(req.url),
          route: req.routeOptions.url,
          statusCode: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime * 100) / 100,
          ip: req.ip,
        },
        'request completed',
      )
    }
    done()
  })
}
